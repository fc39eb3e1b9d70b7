import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "./command.js";
import { GitError } from "./errors.js";
import { gitCommit, gitInit, gitLog } from "./git.js";
import { restore } from "./restore.js";
import { SANDBOX_HOME } from "./sandbox.js";
import { snapshot } from "./snapshot.js";
import { useTempDirs } from "./test-support.js";

const temp = useTempDirs();

describe("git history - every attempt is a commit", () => {
  it("gitInit makes a repository whose commits work without a global git config", async () => {
    const root = temp.make();
    await gitInit(root);
    expect(await gitLog(root)).toEqual([]);
    writeFileSync(join(root, "a.txt"), "a\n");
    const sha = await gitCommit(root, "sprint 1 attempt 1");
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await gitLog(root)).toEqual([{ sha, message: "sprint 1 attempt 1" }]);
  });

  it("packs the history once loose objects pile up, so snapshots stop growing by a file per object", async () => {
    const root = temp.make();
    await gitInit(root);
    const looseDirs = () => readdirSync(join(root, ".git", "objects")).filter((n) => /^[0-9a-f]{2}$/.test(n)).length;
    const packs = () => readdirSync(join(root, ".git", "objects", "pack")).filter((n) => n.endsWith(".pack")).length;
    let commits = 0;
    while (packs() === 0 && commits < 60) {
      for (let k = 0; k < 3; k++) writeFileSync(join(root, `f${k}.txt`), `commit ${commits} file ${k}\n`);
      await gitCommit(root, `c${++commits}`);
    }
    expect(packs()).toBe(1);
    expect(looseDirs()).toBeLessThan(10);
    expect(await gitLog(root)).toHaveLength(commits);
    expect((await runCommand(root, "git fsck --strict --no-progress && git status --porcelain")).exitCode).toBe(0);
    // The packed history survives a snapshot and restore, and commits go on from it.
    const copy = temp.make();
    await restore((await snapshot(root)).bytes, copy);
    writeFileSync(join(copy, "f0.txt"), "after restore\n");
    await gitCommit(copy, "after restore");
    expect((await gitLog(copy)).map((c) => c.message).slice(0, 2)).toEqual(["after restore", `c${commits}`]);
  });

  it("gitCommit adds a commit even when nothing changed", async () => {
    const root = temp.make();
    await gitInit(root);
    const first = await gitCommit(root, "first");
    const second = await gitCommit(root, "second: no changes\n\nbody line");
    expect(second).not.toBe(first);
    expect((await gitLog(root)).map((c) => c.message)).toEqual(["second: no changes\n\nbody line", "first"]);
  });

  it("never commits node_modules", async () => {
    const root = temp.make();
    await gitInit(root);
    mkdirSync(join(root, "node_modules", "dep"), { recursive: true });
    writeFileSync(join(root, "node_modules", "dep", "index.js"), "x");
    writeFileSync(join(root, "index.js"), "y");
    await gitCommit(root, "with deps");
    const tracked = await runCommand(root, "git ls-files");
    expect(tracked.stdout.trim().split("\n")).toEqual(["index.js"]);
  });

  it("history survives snapshot and restore, and the next commit continues it", async () => {
    const root = temp.make();
    await gitInit(root);
    writeFileSync(join(root, "app.js"), "v1\n");
    const c1 = await gitCommit(root, "attempt 1");
    writeFileSync(join(root, "app.js"), "v2\n");
    const c2 = await gitCommit(root, "attempt 2");
    const snap = await snapshot(root);
    expect(snap.files).toEqual(["app.js"]);

    const next = temp.make();
    const restored = await restore(snap.bytes, next);
    expect(restored.digest).toBe(snap.digest);
    await gitInit(next);
    expect(await gitLog(next)).toEqual([{ sha: c2, message: "attempt 2" }, { sha: c1, message: "attempt 1" }]);
    const status = await runCommand(next, "git status --porcelain");
    expect(status.stdout).toBe("");
    writeFileSync(join(next, "app.js"), "v3\n");
    const c3 = await gitCommit(next, "attempt 3");
    expect((await gitLog(next)).map((c) => c.sha)).toEqual([c3, c2, c1]);
    expect(readFileSync(join(next, ".git", "info", "exclude"), "utf8").match(/^node_modules\/$/gm)).toHaveLength(1);
    expect(existsSync(join(next, ".git", "index"))).toBe(true);
  });

  it("gitInit writes a repository real git accepts, and the first commit lands on main", async () => {
    const root = temp.make();
    await gitInit(root);
    for (const cmd of ["git rev-parse --git-dir", "git status", "git fsck --strict"]) {
      const r = await runCommand(root, cmd);
      expect(r.exitCode, `${cmd}: ${r.stderr}`).toBe(0);
    }
    writeFileSync(join(root, "a.txt"), "a\n");
    const sha = await gitCommit(root, "first");
    const branch = await runCommand(root, "git symbolic-ref --short HEAD && git rev-parse main && git fsck --strict");
    expect(branch.exitCode, branch.stderr).toBe(0);
    expect(branch.stdout.split("\n").slice(0, 2)).toEqual(["main", sha]);
  });

  it("gitInit leaves no hook samples in .git", async () => {
    const root = temp.make();
    await gitInit(root);
    const hooks = join(root, ".git", "hooks");
    expect(existsSync(hooks) ? readdirSync(hooks) : []).toEqual([]);
  });

  it("commits in a new workspace write no reflogs for snapshots to carry", async () => {
    const root = temp.make();
    await gitInit(root);
    writeFileSync(join(root, "a.txt"), "a\n");
    await gitCommit(root, "first");
    await gitCommit(root, "second");
    expect(existsSync(join(root, ".git", "logs"))).toBe(false);
    expect((await gitLog(root)).map((c) => c.message)).toEqual(["second", "first"]);
  });

  it("gitInit twice on a repository with history keeps the history and the config unchanged", async () => {
    const root = temp.make();
    await gitInit(root);
    const c1 = await gitCommit(root, "one");
    const config = readFileSync(join(root, ".git", "config"), "utf8");
    const exclude = readFileSync(join(root, ".git", "info", "exclude"), "utf8");
    await gitInit(root);
    await gitInit(root);
    expect(readFileSync(join(root, ".git", "config"), "utf8")).toBe(config);
    expect(readFileSync(join(root, ".git", "info", "exclude"), "utf8")).toBe(exclude);
    const c2 = await gitCommit(root, "two");
    expect((await gitLog(root)).map((c) => c.sha)).toEqual([c2, c1]);
  });

  it("gitInit on a repository made by plain git init keeps its history and commits as harness", async () => {
    const root = temp.make();
    const made = await runCommand(root, [
      "git init -q -b trunk", "git config user.name someone", "git config user.email someone@example.com",
      "echo x > x.txt", "git add x.txt", "git commit -q -m theirs",
    ].join(" && "), { env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
    expect(made.exitCode, made.stderr).toBe(0);
    const [theirs] = await gitLog(root);
    await gitInit(root);
    writeFileSync(join(root, "y.txt"), "y\n");
    const ours = await gitCommit(root, "ours");
    expect((await gitLog(root)).map((c) => c.sha)).toEqual([ours, theirs?.sha]);
    const author = await runCommand(root, "git log -1 --format=%an%n%ae%n%cn%n%ce && git config --get-all user.name && git config --get-all user.email", {
      env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    });
    expect(author.stdout.trim().split("\n")).toEqual(["harness", "harness@localhost", "harness", "harness@localhost", "harness", "harness@localhost"]);
    expect(readFileSync(join(root, ".git", "info", "exclude"), "utf8").match(/^node_modules\/$/gm)).toHaveLength(1);
  });

  it("gitInit adds the harness settings an existing config lacks and keeps the rest", async () => {
    const root = temp.make();
    await gitInit(root);
    const configFile = join(root, ".git", "config");
    writeFileSync(configFile, "[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote \"origin\"]\n\turl = /nowhere\n");
    await gitInit(root);
    const check = await runCommand(root, "git config --get-all user.email && git config --get-all commit.gpgsign && git config --get-all core.autocrlf && git config remote.origin.url", {
      env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    });
    expect(check.stdout.trim().split("\n")).toEqual(["harness@localhost", "false", "false", "/nowhere"]);
    const config = readFileSync(configFile, "utf8");
    await gitInit(root);
    expect(readFileSync(configFile, "utf8")).toBe(config);
  });

  it("stores a commit message with shell metacharacters verbatim and runs none of it", async () => {
    const root = temp.make();
    await gitInit(root);
    const message = "attempt $(touch pwned) `touch pwned2`\n\nit's \"quoted\" & ; | > out.txt $HOME \\n\n# not a comment";
    const sha = await gitCommit(root, message);
    expect(await gitLog(root)).toEqual([{ sha, message }]);
    // The sandbox's home (sandbox.ts) is the only other entry: nothing the message named.
    expect(readdirSync(root).filter((n) => n !== SANDBOX_HOME).sort()).toEqual([".git"]);
  });

  it("gitCommit returns the id git itself reports, on a branch, detached, or after the refs were packed", async () => {
    const root = temp.make();
    await gitInit(root);
    const head = async () => (await runCommand(root, "git rev-parse HEAD")).stdout.trim();
    expect(await gitCommit(root, "on main")).toBe(await head());
    await runCommand(root, "git checkout -q --detach && git pack-refs --all");
    expect(await gitCommit(root, "detached")).toBe(await head());
    await runCommand(root, "git checkout -q -B feature && git pack-refs --all");
    expect(existsSync(join(root, ".git", "refs", "heads", "feature"))).toBe(false);
    expect(await gitCommit(root, "on a branch whose ref was packed")).toBe(await head());
  });

  it("gitCommit runs no hooks the workspace may have planted", async () => {
    const root = temp.make();
    await gitInit(root);
    mkdirSync(join(root, ".git", "hooks"));
    for (const hook of ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit"]) {
      writeFileSync(join(root, ".git", "hooks", hook), `#!/bin/sh\ntouch "$(git rev-parse --show-toplevel)/ran-${hook}"\nexit 1\n`, { mode: 0o755 });
    }
    await gitCommit(root, "no hooks");
    expect(readdirSync(root).filter((f) => f.startsWith("ran-"))).toEqual([]);
  });

  it("gitCommit rejects with a GitError carrying git's stderr when the directory is not a repository", async () => {
    const root = temp.make();
    const err = await gitCommit(root, "nowhere").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).stderr).toMatch(/not a git repository/i);
    expect((err as GitError).message).toMatch(/not a git repository/i);
  });
});
