import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "@harness/cli";
import { waitFor } from "@harness/testkit";

const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");
const CLI = join(REPO_ROOT, "cli", "src", "main.ts");

function cli(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  const r = spawnSync(TSX, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("cli - harness up, run --follow, status, logs, export against the scripted model", () => {
  // Inside the repository, as `pnpm harness up` uses it by default: builds must not inherit
  // this repository's package.json ("type": "module") from the data folder's location.
  mkdirSync(join(REPO_ROOT, ".harness"), { recursive: true });
  const home = mkdtempSync(join(REPO_ROOT, ".harness", "cli-test-"));
  const env = { HARNESS_HOME: home, ANTHROPIC_API_KEY: "", HARNESS_API_TOKEN: "cli-test-token-123456" };
  let up: ChildProcess | undefined;
  let upOut = "";

  afterAll(async () => {
    if (up && up.exitCode === null) { up.kill("SIGKILL"); }
    rmSync(home, { recursive: true, force: true });
  });

  it("starts the stack, follows a run to completion, exports the product and stops on Ctrl-C", async () => {
    up = spawn(TSX, [CLI, "up", "--port", "0", "--quiet"], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    up.stdout?.on("data", (d: Buffer) => { upOut += d.toString(); });
    up.stderr?.on("data", (d: Buffer) => { upOut += d.toString(); });
    const url = await waitFor(() => /harness is up: (http:\/\/127\.0\.0\.1:\d+)/.exec(upOut)?.[1], { timeoutMs: 60_000, what: "harness up" }).catch((err) => { throw new Error(`${err}\n${upOut}`); });
    expect(upOut).toContain("SCRIPTED");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(upOut).not.toContain(env.HARNESS_API_TOKEN); // a token from the environment is not echoed

    const run = cli(["run", "Pocket Notes: notes I can add and find after a reload", "--follow", "--attempts", "3", "--budget", "5"], env);
    expect(run.out).toContain("sprint 2 · attempt 1 · core: FAIL");
    expect(run.out).toMatch(/run \S+: COMPLETED/);
    expect(run.code, run.out).toBe(0);
    const id = /run (\S+) created/.exec(run.out)?.[1];
    expect(id).toBeDefined();
    // --budget sets the spend limit; the token and wall-clock limits stay at their defaults.
    const created = await (await fetch(`${url}/runs/${id}`)).json() as { options: { budget: unknown } };
    expect(created.options.budget).toEqual({ maxCostUsd: 5, maxTokens: 20_000_000, maxWallClockMs: 6 * 3_600_000 });

    const status = cli(["status"], env);
    expect(status.out).toContain(`${id}  completed`);
    const logs = cli(["logs", id!], env);
    expect(logs.out).toMatch(/verdict\.produced\s+core: FAIL · add-note-ui: /);
    expect(logs.out).toMatch(/run\.transition\s+running -> completed/);

    const out = join(home, "product");
    const exported = cli(["export", id!, out], env);
    expect(exported.code, exported.out).toBe(0);
    expect(existsSync(join(out, "server.js"))).toBe(true);
    const log = spawnSync("git", ["log", "--oneline"], { cwd: out, encoding: "utf8" }).stdout.trim().split("\n");
    expect(log).toEqual([expect.stringContaining("sprint 2 attempt 2"), expect.stringContaining("sprint 2 attempt 1"), expect.stringContaining("sprint 1 attempt 1")]);

    const cancelDone = cli(["cancel", id!], env);
    expect(cancelDone.code).toBe(1);
    expect(cancelDone.out).toMatch(/harness: .*409/);

    const exited = new Promise<number | null>((r) => up!.once("exit", (code) => r(code)));
    up.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(upOut).toContain("stopped");
  }, 240_000);

  it("answers usage errors and a missing stack with one clear line and a meaningful exit code", () => {
    const unknown = cli(["frobnicate"], env, 30_000);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('unknown command "frobnicate"');
    const badOption = cli(["run", "x", "--bogus"], env, 30_000);
    expect(badOption.code).toBe(2);
    expect(badOption.out.trim()).toBe("harness: Unknown option '--bogus' (see harness --help)");
    expect(cli(["--help"], env, 30_000).code).toBe(0);
    const noStack = cli(["status"], { ...env, HARNESS_HOME: mkdtempSync(join(tmpdir(), "harness-empty-")) }, 30_000);
    expect(noStack.code).toBe(2);
    expect(noStack.out.trim()).toBe("harness: no running harness found: start one with `pnpm harness up` (or set HARNESS_API_URL)");
  });
});

describe("demo - the README's first command", () => {
  it("runs the offline demo end to end: a browser check catches a real defect, the rework passes, the run completes", () => {
    const r = cli(["demo"], { ANTHROPIC_API_KEY: "" }, 240_000);
    expect(r.out).toContain("sprint 1 · contract round 1 sent back");
    expect(r.out).toMatch(/sprint 2 · attempt 1 · core: FAIL .*add-note-ui/);
    expect(r.out).toContain("sprint 2 · attempt 2 · core: PASS");
    expect(r.out).toMatch(/run \S+: COMPLETED/);
    expect(r.out).toContain("SCRIPTED");
    expect(r.out).toContain("ANTHROPIC_API_KEY");
    expect(r.code, r.out).toBe(0);
  }, 300_000);
});
