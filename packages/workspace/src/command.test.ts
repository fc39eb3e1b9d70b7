import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCommandTools } from "./command-tools.js";
import { runCommand } from "./command.js";
import { scrubbedEnv } from "./env.js";
import { processGone, tool, useTempDirs } from "./test-support.js";

const temp = useTempDirs();

async function eventually(check: () => boolean, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe("run_command - exit code, output and limits", () => {
  it("runs in the workspace and reports exit code, stdout and stderr", async () => {
    const root = temp.make();
    const run = tool(createCommandTools(root), "run_command");
    expect(await run.run({ command: "pwd; echo oops >&2; exit 3" })).toBe(`exit code 3\n--- stdout ---\n${root}\n\n--- stderr ---\noops\n`);
  });

  it("kills a command that never exits at its limit, together with the child it spawned", async () => {
    const root = temp.make();
    const started = Date.now();
    const result = await runCommand(root, "sleep 1000 & echo $! > child.pid; sleep 1000", { timeoutMs: 800 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(5_000);
    const childPid = Number(readFileSync(join(root, "child.pid"), "utf8").trim());
    expect(childPid).toBeGreaterThan(0);
    expect(await eventually(() => processGone(childPid))).toBe(true);
  });

  it("tells the model a timed-out command was killed", async () => {
    const root = temp.make();
    const run = tool(createCommandTools(root), "run_command");
    const out = await run.run({ command: "sleep 1000", timeout_ms: 300 });
    expect(out).toMatch(/^exit code none \(timed out after 300 ms: the command and its child processes were killed\)/);
  });

  it("kills background processes a command leaves behind when it exits", async () => {
    const root = temp.make();
    const result = await runCommand(root, "sleep 1000 & echo $!");
    expect(result.exitCode).toBe(0);
    expect(result.durationMs).toBeLessThan(3_000);
    expect(await eventually(() => processGone(Number(result.stdout.trim())))).toBe(true);
  });

  it("kills the command when the caller aborts", async () => {
    const root = temp.make();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const result = await runCommand(root, "sleep 1000", { signal: ac.signal });
    expect(result.aborted).toBe(true);
    expect(result.timedOut).toBe(false);
  });

  it("caps 200 MB of output to head and tail with the elided count, in constant memory", async () => {
    const root = temp.make();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const result = await runCommand(root, "head -c 200000000 /dev/zero | tr '\\0' a; echo; echo end", { maxOutputBytes: 65_536 });
    clearInterval(sampler);
    expect(result.exitCode).toBe(0);
    const total = 200_000_000 + 1 + 4;
    expect(result.elidedBytes).toBe(total - 65_536);
    expect(result.stdout.startsWith("a".repeat(32_768) + "\n[... ")).toBe(true);
    expect(result.stdout).toContain(`[... ${total - 65_536} bytes elided ...]`);
    expect(result.stdout.endsWith("aaaa\nend\n")).toBe(true);
    expect(result.stdout.length).toBeLessThan(65_536 + 100);
    // Buffering the output would cost at least 200 MB.
    expect(peak - baseline).toBeLessThan(100 * 1024 * 1024);
  });
});

describe("run_command - scrubbed environment", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it("never passes API keys, tokens or NATS credentials to the command, even when the parent has them", async () => {
    process.env["ANTHROPIC_API_KEY"] = "sk-ant-should-not-leak";
    process.env["HARNESS_API_TOKEN"] = "harness-token-should-not-leak";
    process.env["NATS_PASSWORD"] = "nats-password-should-not-leak";
    process.env["NATS_URL"] = "nats://user:pw@localhost:4222";
    process.env["SOME_SERVICE_SECRET"] = "secret-should-not-leak";
    const root = temp.make();
    const result = await runCommand(root, "env", { env: { APP_MODE: "test", OPENAI_API_KEY: "forwarded-by-mistake" } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).not.toMatch(/ANTHROPIC|HARNESS_API_TOKEN|NATS_|SECRET|should-not-leak|forwarded-by-mistake/);
    expect(result.stdout).toMatch(/^PATH=/m);
    expect(result.stdout).toMatch(/^APP_MODE=test$/m);
  });

  it("keeps only allowlisted variables plus non-interactive defaults", () => {
    process.env["RANDOM_APP_SETTING"] = "1";
    const env = scrubbedEnv({ PORT: "3000" });
    expect(env["RANDOM_APP_SETTING"]).toBeUndefined();
    expect(env["PORT"]).toBe("3000");
    expect(env["NO_COLOR"]).toBe("1");
    // PATH is passed through from the parent, so commands find the same tools.
    expect(env["PATH"]).toBe(process.env["PATH"]);
  });
});
