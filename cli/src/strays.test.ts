import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killStrays } from "./strays.js";

const root = mkdtempSync(join(tmpdir(), "strays-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe("stray processes of a stopped stack", () => {
  it("kills what still runs in the stack's workspaces, in a group of its own, and nothing outside them", async () => {
    // Found through /proc: where there is none, nothing is found and nothing is killed.
    if (!existsSync("/proc")) { expect(killStrays(root)).toBe(0); return; }
    const inside = join(root, "evaluator", "run1");
    mkdirSync(inside, { recursive: true });
    // Detached like an evaluator's app: its own process group, left behind by a killed service.
    const stray = spawn("sleep", ["60"], { cwd: inside, detached: true, stdio: "ignore" });
    const bystander = spawn("sleep", ["60"], { cwd: tmpdir(), detached: true, stdio: "ignore" });
    const exited = new Promise((resolve) => stray.once("exit", resolve));
    try {
      expect(killStrays(root)).toBe(1);
      await exited;
      expect(alive(bystander.pid!)).toBe(true);
    } finally {
      bystander.kill("SIGKILL");
      stray.kill("SIGKILL");
    }
  });
});
