import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const LIFECYCLE = fileURLToPath(new URL("./lifecycle.ts", import.meta.url));

/** A process whose drain takes `drainMs`, as a service's does; it says when it is listening. */
function service(drainMs: number, env: Record<string, string> = {}) {
  const code = `
    const { onShutdown } = await import(${JSON.stringify(LIFECYCLE)});
    const logger = { info() {}, debug() {}, error() {} };
    onShutdown(logger, () => new Promise((resolve) => setTimeout(() => { console.log("drained"); resolve(); }, ${drainMs})));
    setInterval(() => {}, 1000);
    console.log("ready");
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  let out = "";
  const ready = new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => { out += d.toString(); if (out.includes("ready")) resolve(); }));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

/** Starts a service, sends it `signals` 50 ms apart once it is listening, and waits for it to end. */
async function afterSignals(drainMs: number, signals: NodeJS.Signals[], env: Record<string, string> = {}) {
  const s = service(drainMs, env);
  await s.ready;
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 50));
    s.child.kill(signal);
  }
  return { code: await s.exited, output: s.output() };
}

describe("runtime - shutdown on signals", () => {
  it("finishes its drain when a terminal's Ctrl-C is followed by the launcher's SIGTERM", async () => {
    const { code, output } = await afterSignals(700, ["SIGINT", "SIGTERM"]);
    expect(code).toBe(0);
    expect(output).toContain("drained");
  }, 20_000);

  it("drains on SIGHUP, as when the terminal it was started from closes", async () => {
    const { code, output } = await afterSignals(300, ["SIGHUP"]);
    expect(code).toBe(0);
    expect(output).toContain("drained");
  }, 20_000);

  it("finishes its drain when SIGTERM comes twice, once to its process group and once from its launcher", async () => {
    const { code, output } = await afterSignals(500, ["SIGTERM", "SIGTERM"]);
    expect(code).toBe(0);
    expect(output).toContain("drained");
  }, 20_000);

  it("drains when its launcher (HARNESS_PARENT_PID) is gone, as after the launcher was killed outright", async () => {
    const { code, output } = await afterSignals(100, [], { HARNESS_PARENT_PID: "999999" });
    expect(code).toBe(0);
    expect(output).toContain("drained");
  }, 20_000);

  it("exits at once, without finishing the drain, on Ctrl-C pressed twice", async () => {
    const { code, output } = await afterSignals(10_000, ["SIGINT", "SIGINT"]);
    expect(code).toBe(1);
    expect(output).not.toContain("drained");
  }, 20_000);
});
