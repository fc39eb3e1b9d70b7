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

describe("runtime - shutdown on signals", () => {
  it("finishes its drain when a terminal's Ctrl-C is followed by the launcher's SIGTERM", async () => {
    const s = service(700);
    await s.ready;
    s.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 50));
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain("drained");
  }, 20_000);

  it("drains on SIGHUP, as when the terminal it was started from closes", async () => {
    const s = service(300);
    await s.ready;
    s.child.kill("SIGHUP");
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain("drained");
  }, 20_000);

  it("finishes its drain when SIGTERM comes twice, once to its process group and once from its launcher", async () => {
    const s = service(500);
    await s.ready;
    s.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain("drained");
  }, 20_000);

  it("drains when its launcher (HARNESS_PARENT_PID) is gone, as after the launcher was killed outright", async () => {
    const s = service(100, { HARNESS_PARENT_PID: "999999" });
    await s.ready;
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain("drained");
  }, 20_000);

  it("exits at once, without finishing the drain, on Ctrl-C pressed twice", async () => {
    const s = service(10_000);
    await s.ready;
    s.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 50));
    s.child.kill("SIGINT");
    expect(await s.exited).toBe(1);
    expect(s.output()).not.toContain("drained");
  }, 20_000);
});
