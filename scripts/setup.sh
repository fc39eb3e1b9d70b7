#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: what the demo and the tests need.
# Installs, only where missing: nats-server and chromium (apt), pnpm (pinned), node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=${1:-}
say() { [ "$quiet" = "--quiet" ] || echo "setup: $*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then echo "setup: Node.js 20 or newer is required (found $(node --version))" >&2; exit 1; fi

missing=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v git >/dev/null 2>&1 || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    say "installing ${missing[*]} with apt-get"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -y >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install: ${missing[*]} (e.g. brew install nats-server chromium)" >&2; exit 1
  fi
fi

want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$want" ]; then
  say "installing pnpm@$want"
  npm install -g "pnpm@$want" >/dev/null 2>&1
fi

# Git commits in workspaces need an identity; set one only where none exists.
if ! git config --global user.email >/dev/null 2>&1; then
  echo "setup: git has no identity: setting user.email harness@localhost globally"
  git config --global user.email "harness@localhost"
fi
if ! git config --global user.name >/dev/null 2>&1; then
  echo "setup: git has no identity: setting user.name harness globally"
  git config --global user.name "harness"
fi

if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  say "installing dependencies"
  pnpm install --frozen-lockfile >/dev/null
fi
say "ready"
