import { execFile } from "node:child_process";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { scrubbedEnv } from "./env.js";
import { GitError } from "./errors.js";
import { DEFAULT_SNAPSHOT_EXCLUDES } from "./tree.js";

export const GIT_AUTHOR = { name: "harness", email: "harness@localhost" } as const;
const GIT_MAX_BUFFER = 64 * 1024 * 1024;

export interface GitCommitInfo { sha: string; message: string }

function git(dir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // No global or system config: the result must not depend on the machine it runs on.
    const env = scrubbedEnv({ GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" });
    execFile("git", args, { cwd: dir, env, maxBuffer: GIT_MAX_BUFFER }, (err, stdout, stderr) => {
      if (err) reject(new GitError(`git ${args[0]} failed in ${dir}: ${stderr.trim() || err.message}`, stderr, { cause: err }));
      else resolve(stdout);
    });
  });
}

/**
 * Makes `dir` a git repository with a local identity, so commits work on machines without a
 * global git config. Safe on an existing repository (a restored artifact keeps its history).
 * Dependency folders go to .git/info/exclude, so they never bloat history or the artifact.
 */
export async function gitInit(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await git(dir, ["init", "-q", "-b", "main"]);
  await git(dir, ["config", "user.name", GIT_AUTHOR.name]);
  await git(dir, ["config", "user.email", GIT_AUTHOR.email]);
  await git(dir, ["config", "commit.gpgsign", "false"]);
  await git(dir, ["config", "core.autocrlf", "false"]);
  const excludeFile = join(dir, ".git", "info", "exclude");
  const current = await readFile(excludeFile, "utf8").catch(() => "");
  const missing = DEFAULT_SNAPSHOT_EXCLUDES.filter((p) => !current.split("\n").includes(p));
  if (missing.length > 0) {
    await mkdir(join(dir, ".git", "info"), { recursive: true });
    await appendFile(excludeFile, `${current === "" || current.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
  }
}

/**
 * Stages everything and commits, even when nothing changed, so every build attempt leaves
 * exactly one commit. Hooks are skipped: they are workspace content the model may have written.
 */
export async function gitCommit(dir: string, message: string): Promise<string> {
  await git(dir, ["add", "-A"]);
  await git(dir, ["commit", "-q", "--allow-empty", "--no-verify", "-m", message]);
  return (await git(dir, ["rev-parse", "HEAD"])).trim();
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
