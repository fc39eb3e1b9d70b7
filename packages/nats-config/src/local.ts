import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EvaluatorName } from "@harness/contracts";
import { generatePassword, PASSWORD_PATTERN } from "./credentials.js";
import { ADMIN_USER, renderNatsConfig } from "./render.js";
import { harnessUsers } from "./roles.js";

/**
 * Per-role credentials for a NATS server run on this machine (`harness up`, the demo, a test
 * server), kept in one folder:
 *   <dir>/<user>.password   mode 0600, the password alone (what NATS_PASSWORD_FILE names)
 *   <dir>/server.conf       mode 0600, the authorization block with the passwords inline
 * Passwords are kept across calls, so services running on them are not locked out; custom
 * evaluators found in the folder stay users until their password file is removed.
 */
export interface LocalCredentials {
  dir: string;
  /** The config nats-server includes (or is started with). */
  confPath: string;
  /** Every user, including `harness-admin` when asked for. */
  users: string[];
  evaluators: string[];
  password(user: string): string;
  passwordFile(user: string): string;
}

export interface LocalCredentialsOptions {
  /** Custom evaluators besides those already in the folder. */
  evaluators?: readonly string[];
  /** Add the unrestricted `harness-admin` user (test servers only). */
  admin?: boolean;
}

const SUFFIX = ".password";
const EVALUATOR_FILE = /^evaluator-(.+)\.password$/;

export function writeLocalCredentials(dir: string, opts: LocalCredentialsOptions = {}): LocalCredentials {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to a folder it creates.
  chmodSync(dir, 0o700);
  const found = readdirSync(dir).map((f) => EVALUATOR_FILE.exec(f)?.[1]).filter((n): n is string => n !== undefined && EvaluatorName.safeParse(n).success && n !== "core");
  const evaluators = [...new Set([...found, ...(opts.evaluators ?? [])])].sort();
  const users = [...harnessUsers({ evaluators }).map((u) => u.user), ...(opts.admin ? [ADMIN_USER] : [])];
  const passwords: Record<string, string> = {};
  for (const user of users) {
    const file = join(dir, `${user}${SUFFIX}`);
    const kept = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
    passwords[user] = PASSWORD_PATTERN.test(kept) ? kept : generatePassword();
    if (passwords[user] !== kept) writeSecret(file, `${passwords[user]}\n`);
    chmodSync(file, 0o600);
  }
  const confPath = join(dir, "server.conf");
  const { [ADMIN_USER]: admin, ...roles } = passwords;
  writeSecret(confPath, renderNatsConfig({ evaluators, passwords: roles, ...(admin !== undefined ? { admin } : {}) }));
  return {
    dir, confPath, users, evaluators,
    password: (user) => {
      const p = passwords[user];
      if (p === undefined) throw new Error(`no NATS user "${user}" in ${dir}`);
      return p;
    },
    passwordFile: (user) => {
      if (passwords[user] === undefined) throw new Error(`no NATS user "${user}" in ${dir}`);
      return join(dir, `${user}${SUFFIX}`);
    },
  };
}

/**
 * Written whole under a temporary name, then renamed: a server reloading its config never reads
 * half a file, and the secret is never in a file of wider mode.
 */
function writeSecret(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
