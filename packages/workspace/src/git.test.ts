import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "./command.js";
import { gitCommit, gitInit, gitLog } from "./git.js";
import { restore } from "./restore.js";
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
});
