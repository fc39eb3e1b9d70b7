import { execFileSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ERROR_CODES, WorkspaceError } from "./errors.js";
import { handOver, killUidProcesses, workspaceUid } from "./sandbox-uid.js";

/**
 * How untrusted commands (build commands, dev servers, checks, git on model-written repositories)
 * are kept away from the service's credentials, chosen by HARNESS_SANDBOX:
 * - `uid`: the service runs as root; each workspace gets its own unprivileged uid and gid (from
 *   a range no account uses), the workspace is given to it, and commands run as it. They cannot
 *   read the service's 0600 credential files or any /proc/<pid>/environ but their own, and one
 *   build cannot touch another's workspace or processes.
 * - `userns`: not root; commands run in a new user, mount and PID namespace without any
 *   capability, with the credential paths covered (HARNESS_SANDBOX_HIDE, the NATS password
 *   file's folder) and a /proc that shows only their own processes.
 * - `runner`: a runner sidecar (runner-server.ts) in another container, as another uid, sharing
 *   only the workspace volume, runs every command (HARNESS_RUNNER_SOCKET); for Kubernetes under
 *   the restricted Pod Security Standard, where neither uids nor namespaces can be switched.
 * - `off`: as the service's user, environment scrubbed only.
 * `auto` (the default) picks the first that works here (`runner` when a socket is configured)
 * and warns once when none does.
 */
export type SandboxMode = "runner" | "uid" | "userns" | "off";
export const SANDBOX_MODES = ["auto", "runner", "uid", "userns", "off"] as const;

/**
 * HOME and the tools' caches inside the workspace: the sandbox user has no other home. TMPDIR
 * stays the service's (/tmp, open to all with the sticky bit): checks copy the workspace into a
 * `mktemp -d`, which must not lie inside it.
 */
export const SANDBOX_HOME = ".harness-home";

export interface SandboxStatus { mode: SandboxMode; reason: string }

/** What to spawn for one untrusted command, and as whom. */
export interface Launch { file: string; args: string[]; env: Record<string, string>; uid?: number; gid?: number; runner?: string }

const USERNS_ARGS = ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"];
const DROP_CAPS = ["setpriv", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"];
// Covers each hidden path (a folder with an empty tmpfs, a file with /dev/null), then drops every
// capability: a process still holding them could unmount the covers and the private /proc.
const HIDE_SCRIPT = 'while [ "$1" != -- ]; do if [ -d "$1" ]; then mount -t tmpfs -o size=4k,mode=0 hidden "$1"; else mount --bind /dev/null "$1"; fi || exit 125; shift; done; shift; exec "$@"';

const resolved = new Map<string, SandboxStatus>();
let warned = false;

export class SandboxError extends WorkspaceError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ERROR_CODES.sandbox, options);
    this.name = "SandboxError";
  }
}

/** The mode HARNESS_SANDBOX selects on this machine, probed once per setting. */
export function sandboxStatus(): SandboxStatus {
  const asked = (process.env["HARNESS_SANDBOX"] ?? "auto").trim() || "auto";
  const known = resolved.get(asked);
  if (known) return known;
  const status = resolve(asked);
  resolved.set(asked, status);
  if (status.mode === "off" && asked === "auto" && !warned) {
    warned = true;
    process.emitWarning(`build and check commands are NOT sandboxed: ${status.reason}. They run as this user and can read what it can.`, { code: "HARNESS_SANDBOX_OFF" });
  }
  return status;
}

function resolve(asked: string): SandboxStatus {
  const root = process.getuid?.() === 0;
  const socket = process.env["HARNESS_RUNNER_SOCKET"];
  if (asked === "runner" || (asked === "auto" && socket)) {
    if (!socket?.startsWith("/")) throw new SandboxError("HARNESS_SANDBOX=runner needs HARNESS_RUNNER_SOCKET, the absolute path of the runner's socket");
    // Files written on either side of the shared volume stay writable by the other (one group).
    process.umask(0o007);
    return { mode: "runner", reason: `commands run in the runner container (${socket})` };
  }
  switch (asked) {
    case "off": return { mode: "off", reason: "HARNESS_SANDBOX=off" };
    case "uid":
      if (!root) throw new SandboxError("HARNESS_SANDBOX=uid needs the service to run as root (it switches each command to an unprivileged uid)");
      if (!gnuChown()) throw new SandboxError("HARNESS_SANDBOX=uid needs GNU chown (coreutils) to hand workspaces over");
      return { mode: "uid", reason: "HARNESS_SANDBOX=uid" };
    case "userns":
      if (!usernsWorks()) throw new SandboxError("HARNESS_SANDBOX=userns: unprivileged user namespaces do not work here (unshare and setpriv from util-linux, and a kernel that allows them, are needed)");
      return { mode: "userns", reason: "HARNESS_SANDBOX=userns" };
    case "auto":
      if (root && gnuChown()) return { mode: "uid", reason: "running as root: each workspace gets its own unprivileged uid" };
      if (usernsWorks()) return { mode: "userns", reason: "user namespaces: credentials hidden, private /proc" };
      return { mode: "off", reason: root ? "running as root without GNU chown, and user namespaces do not work" : "not root, and user namespaces (unshare, setpriv) do not work on this machine" };
    default:
      throw new SandboxError(`HARNESS_SANDBOX must be one of ${SANDBOX_MODES.join(", ")}, not '${asked}'`);
  }
}

function gnuChown(): boolean {
  try { return execFileSync("chown", ["--version"], { encoding: "utf8", timeout: 5_000, stdio: ["ignore", "pipe", "ignore"] }).includes("GNU"); } catch { return false; }
}

function usernsWorks(): boolean {
  try {
    execFileSync("unshare", [...USERNS_ARGS, "--", ...DROP_CAPS, "true"], { timeout: 5_000, stdio: "ignore" });
    return true;
  } catch { return false; }
}

/** Paths a userns sandbox covers: HARNESS_SANDBOX_HIDE (colon-separated) and the NATS password file's folder. */
export function hiddenPaths(): string[] {
  const listed = (process.env["HARNESS_SANDBOX_HIDE"] ?? "").split(":").filter((p) => p.startsWith("/"));
  const passwordFile = process.env["NATS_PASSWORD_FILE"];
  const all = [...new Set([...listed, ...(passwordFile ? [dirname(passwordFile)] : [])])].filter((p) => existsSync(p));
  // A path inside another is covered with it (and could not be mounted on once its parent is).
  return all.filter((p) => !all.some((q) => q !== p && p.startsWith(`${q}/`)));
}

/**
 * Prepares `root` (its real path) for an untrusted command and says how to spawn `file args`
 * there. In `uid` mode this hands everything the service wrote since the last command over to
 * the workspace's uid, so call it right before each spawn.
 */
export async function launchIn(root: string, file: string, args: string[], env: Record<string, string>): Promise<Launch> {
  const { mode } = sandboxStatus();
  if (mode === "off") return { file, args, env };
  const home = join(root, SANDBOX_HOME);
  await mkdir(home, { recursive: true });
  const homeEnv = { ...env, HOME: home, XDG_CACHE_HOME: join(home, ".cache"), XDG_CONFIG_HOME: join(home, ".config"), XDG_DATA_HOME: join(home, ".local", "share"), USER: "harness", LOGNAME: "harness" };
  if (mode === "runner") {
    // The runner's uid owns no repository the service created: git refuses those as "dubious"
    // unless told otherwise, and only the command line (or global config) may tell it.
    const safe = { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "safe.directory", GIT_CONFIG_VALUE_0: "*" };
    return { file, args, env: { ...homeEnv, ...safe }, runner: process.env["HARNESS_RUNNER_SOCKET"] ?? "" };
  }
  if (mode === "uid") {
    const id = workspaceUid(root);
    await handOver(root, id);
    return { file, args, env: homeEnv, uid: id, gid: id };
  }
  const hidden = hiddenPaths().filter((p) => !root.startsWith(`${p}/`) && p !== root);
  return { file: "unshare", args: [...USERNS_ARGS, "--", "/bin/sh", "-c", HIDE_SCRIPT, "sandbox", ...hidden, "--", ...DROP_CAPS, file, ...args], env: homeEnv };
}

/**
 * Kills whatever the workspace's commands left running, including processes that left their
 * process group (setsid): in `uid` mode every process of the workspace's uid. In `userns` mode a
 * command's namespace dies with it, so there is nothing left; `off` cannot tell them apart.
 */
export function releaseWorkspace(root: string): void {
  if (sandboxStatus().mode !== "uid") return;
  let real: string;
  try { real = realpathSync(root); } catch { return; }
  killUidProcesses(workspaceUid(real));
}
