import { execFile } from "node:child_process";
import { appendFile, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { scrubbedEnv } from "./env.js";
import { GitError } from "./errors.js";
import { realRoot } from "./paths.js";
import { runRemote } from "./runner-client.js";
import { launchIn } from "./sandbox.js";
import { DEFAULT_SNAPSHOT_EXCLUDES } from "./tree.js";

export const GIT_AUTHOR = { name: "harness", email: "harness@localhost" } as const;
const GIT_MAX_BUFFER = 64 * 1024 * 1024;

export interface GitCommitInfo { sha: string; message: string }

/** Settings every harness repository needs, as [section, key, value]. */
const HARNESS_CONFIG = [
  ["core", "autocrlf", "false"],
  ["user", "name", GIT_AUTHOR.name],
  ["user", "email", GIT_AUTHOR.email],
  ["commit", "gpgsign", "false"],
] as const;

// What `git init -q -b main --template=` writes on Linux, plus HARNESS_CONFIG, without reflogs: a
// workspace lives for one build, and they are files every commit writes and every snapshot,
// restore and evaluation carries.
const NEW_REPO_CONFIG = [
  "[core]",
  "\trepositoryformatversion = 0",
  "\tfilemode = true",
  "\tbare = false",
  "\tlogallrefupdates = false",
  "\tautocrlf = false",
  "[user]",
  `\tname = ${GIT_AUTHOR.name}`,
  `\temail = ${GIT_AUTHOR.email}`,
  "[commit]",
  "\tgpgsign = false",
  "",
].join("\n");

// --no-verify alone still runs prepare-commit-msg and post-commit, and one that hangs would
// hang the build. Every commit would also start `git maintenance run --auto` (a process, about
// half the commit's time); a workspace lives for one build, so it never needs maintenance.
// The message comes on stdin, never through the shell string.
const COMMIT_SCRIPT = "git add -A && git -c core.hooksPath=/dev/null -c maintenance.auto=false commit -q --allow-empty --no-verify -F -";
// Every commit leaves loose objects, one file each, and a workspace's .git travels through every
// snapshot and restore: at 150 loose objects a restore measured 200 ms against 17 ms packed, and
// a repack about 110 ms. So once the loose objects fill PACK_AT_FANOUT of git's 256 fan-out
// directories (about 55 objects), the commit packs them (one thread: the other core is working).
// The commit has happened by then: a repack that fails (a full disk) leaves the history loose, not the build failed.
const PACK_SCRIPT = `${COMMIT_SCRIPT} && { git -c pack.threads=1 repack -adq || true; }`;
const PACK_AT_FANOUT = 48;
// Key/value pairs arrive as positional arguments, so one shell sets them all.
const CONFIG_SCRIPT = 'while [ $# -gt 0 ]; do git config --replace-all "$1" "$2" || exit; shift 2; done';

// Workspace content can make git run programs (e.g. a core.fsmonitor the model wrote into
// .git/config): no git call may hold a build forever.
const GIT_TIMEOUT_MS = 5 * 60_000;

function gitEnv(): Record<string, string> {
  // No global or system config: the result must not depend on the machine it runs on.
  return scrubbedEnv({ GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" });
}

/**
 * Git runs in the workspace's sandbox like the model's own commands: the repository's config,
 * attributes and hooks are workspace content (a `core.fsmonitor` or a clean filter is a program
 * git runs), so git on it is untrusted code too.
 */
async function run(file: string, args: string[], what: string, dir: string, stdin?: string): Promise<string> {
  const cwd = realRoot(dir);
  const launch = await launchIn(cwd, file, args, gitEnv());
  if (launch.runner !== undefined) {
    const r = await runRemote(launch.runner, [launch.file, ...launch.args], cwd, launch.env, { ...(stdin !== undefined ? { stdin } : {}), timeoutMs: GIT_TIMEOUT_MS, maxBuffer: GIT_MAX_BUFFER });
    if (r.code !== 0) throw new GitError(`git ${what} failed in ${dir}: ${r.stderr.trim() || `exit ${r.code ?? r.signal}`}`, r.stderr);
    return r.stdout;
  }
  return new Promise((resolve, reject) => {
    const ids = launch.uid !== undefined ? { uid: launch.uid, gid: launch.gid } : {};
    const child = execFile(launch.file, launch.args, { cwd, env: launch.env, maxBuffer: GIT_MAX_BUFFER, timeout: GIT_TIMEOUT_MS, killSignal: "SIGKILL", ...ids }, (err, stdout, stderr) => {
      if (err) reject(new GitError(`git ${what} failed in ${dir}: ${stderr.trim() || err.message}`, stderr, { cause: err }));
      else resolve(stdout);
    });
    // A shell that fails before reading stdin closes the pipe; the exit code reports that, not EPIPE.
    child.stdin?.on("error", () => {});
    child.stdin?.end(stdin ?? "");
  });
}

function git(dir: string, args: string[]): Promise<string> {
  return run("git", args, args[0] ?? "", dir);
}

/** One process for a sequence of git commands: spawning is what costs under load. */
function gitShell(dir: string, what: string, script: string, args: string[], stdin?: string): Promise<string> {
  return run("/bin/sh", ["-c", script, "sh", ...args], what, dir, stdin);
}

/**
 * Makes `dir` a git repository with a local identity, so commits work on machines without a
 * global git config. Safe on an existing repository (a restored artifact keeps its history).
 * Dependency folders go to .git/info/exclude, so they never bloat history or the artifact.
 */
export async function gitInit(dir: string): Promise<void> {
  const gitDir = join(dir, ".git");
  // HEAD is written last, so a .git without it is an interrupted init, not history to keep.
  if (!(await exists(join(gitDir, "HEAD")))) {
    await createRepository(gitDir);
    return;
  }
  await ensureHarnessConfig(dir, gitDir);
  await ensureExcludes(gitDir);
}

/**
 * Written by hand rather than by `git init`: no process to spawn, and no template hook samples
 * to carry through every snapshot, restore and evaluation.
 */
async function createRepository(gitDir: string): Promise<void> {
  await Promise.all(
    ["objects/info", "objects/pack", "refs/heads", "refs/tags", "info"].map((d) => mkdir(join(gitDir, d), { recursive: true })),
  );
  await writeFile(join(gitDir, "config"), NEW_REPO_CONFIG);
  await writeFile(join(gitDir, "info", "exclude"), `${DEFAULT_SNAPSHOT_EXCLUDES.join("\n")}\n`);
  await writeFile(join(gitDir, "HEAD"), "ref: refs/heads/main\n");
}

async function ensureHarnessConfig(dir: string, gitDir: string): Promise<void> {
  const configFile = join(gitDir, "config");
  const text = await readFile(configFile, "utf8").catch((err: unknown) => {
    if (isNotFound(err)) return "";
    throw err;
  });
  const parsed = parseSimpleConfig(text);
  const wrong = HARNESS_CONFIG.filter(([section, key, value]) => {
    const values = parsed?.get(`${section}.${key}`) ?? [];
    return !(values.length === 1 && values[0] === value);
  });
  if (wrong.length === 0) return;
  const onlyMissing = parsed !== undefined && wrong.every(([section, key]) => !parsed.has(`${section}.${key}`));
  if (onlyMissing) {
    // A repeated section is valid git config, so missing keys can simply go at the end.
    const blocks = [...new Set(wrong.map(([section]) => section))].map(
      (section) => `[${section}]\n${wrong.filter(([s]) => s === section).map(([, key, value]) => `\t${key} = ${value}\n`).join("")}`,
    );
    await appendFile(configFile, `${text === "" || text.endsWith("\n") ? "" : "\n"}${blocks.join("")}`);
    return;
  }
  // Conflicting or unusual config (other values, quoting, includes): git rewrites it correctly.
  await gitShell(dir, "config", CONFIG_SCRIPT, wrong.flatMap(([section, key, value]) => [`${section}.${key}`, value]));
}

/**
 * Values per lower-cased `section.key`, for config this module can read with certainty: plain
 * sections, `key = value` lines, comments. Anything else (subsections excepted, which are
 * skipped) returns undefined so the caller leaves the edit to git.
 */
function parseSimpleConfig(text: string): Map<string, string[]> | undefined {
  const values = new Map<string, string[]>();
  let section: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([A-Za-z0-9.-]+)(\s+"[^"\\]*")?\]$/.exec(line);
    if (header) {
      const name = (header[1] ?? "").toLowerCase();
      if (name.startsWith("include")) return undefined;
      // Subsections (remote "origin", branch "main") hold nothing this module sets.
      section = header[2] === undefined && !name.includes(".") ? name : undefined;
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9-]*)(?:\s*=\s*([^"\\#;]*))?$/.exec(line);
    if (!entry) return undefined;
    if (section === undefined) continue;
    const key = `${section}.${(entry[1] ?? "").toLowerCase()}`;
    // A key without "=" is git's shorthand for true.
    values.set(key, [...(values.get(key) ?? []), entry[2]?.trim() ?? "true"]);
  }
  return values;
}

async function ensureExcludes(gitDir: string): Promise<void> {
  const excludeFile = join(gitDir, "info", "exclude");
  const current = await readFile(excludeFile, "utf8").catch(() => "");
  const missing = DEFAULT_SNAPSHOT_EXCLUDES.filter((p) => !current.split("\n").includes(p));
  if (missing.length > 0) {
    await mkdir(join(gitDir, "info"), { recursive: true });
    await appendFile(excludeFile, `${current === "" || current.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * Stages everything and commits, even when nothing changed, so every build attempt leaves
 * exactly one commit. Hooks are skipped: they are workspace content the model may have written.
 */
export async function gitCommit(dir: string, message: string): Promise<string> {
  const pack = (await looseFanout(dir)) >= PACK_AT_FANOUT;
  await gitShell(dir, "commit", pack ? PACK_SCRIPT : COMMIT_SCRIPT, [], message);
  const sha = await headFromFiles(dir) ?? (await git(dir, ["rev-parse", "HEAD"])).trim();
  if (!OBJECT_ID.test(sha)) throw new GitError(`git rev-parse in ${dir} printed no commit id: ${sha}`, "");
  return sha;
}

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const FANOUT_DIR = /^[0-9a-f]{2}$/;

/** How many of `.git/objects`' fan-out directories hold loose objects: one directory listing, a proxy for their count. */
async function looseFanout(dir: string): Promise<number> {
  try {
    return (await readdir(join(dir, ".git", "objects"))).filter((n) => FANOUT_DIR.test(n)).length;
  } catch {
    return 0;
  }
}

/**
 * HEAD's commit read from `.git` (a git process less per build): a detached HEAD holds the id, an
 * attached one names a ref that a commit has just written as a loose file. Anything else (a
 * `.git` file, another ref storage) is left to `git rev-parse`.
 */
async function headFromFiles(dir: string): Promise<string | undefined> {
  try {
    const head = (await readFile(join(dir, ".git", "HEAD"), "utf8")).trim();
    if (OBJECT_ID.test(head)) return head;
    const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
    if (ref === undefined || ref.split("/").includes("..")) return undefined;
    const sha = (await readFile(join(dir, ".git", ref), "utf8")).trim();
    return OBJECT_ID.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** Commits reachable from HEAD, newest first; empty for a repository without commits. */
export async function gitLog(dir: string): Promise<GitCommitInfo[]> {
  let out: string;
  try {
    out = await git(dir, ["log", "--format=%H%x00%B%x1e"]);
  } catch (err) {
    if (err instanceof GitError && /does not have any commits|bad default revision|unknown revision/.test(err.stderr)) return [];
    throw err;
  }
  return out
    .split("\x1e")
    .map((r) => r.replace(/^\n/, ""))
    .filter((r) => r.includes("\0"))
    .map((r) => {
      const [sha = "", message = ""] = r.split("\0");
      return { sha, message: message.trimEnd() };
    });
}
