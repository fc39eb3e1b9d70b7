import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCommand } from "./command.js";
import { ERROR_CODES } from "./errors.js";
import { gitCommit, gitInit, gitLog } from "./git.js";
import { FrameReader, FRAME } from "./runner-protocol.js";
import { startRunner } from "./runner-server.js";
import { ServerRegistry } from "./servers.js";
import { freePort, useTempDirs } from "./test-support.js";

const temp = useTempDirs();
const saved = { mode: process.env["HARNESS_SANDBOX"], socket: process.env["HARNESS_RUNNER_SOCKET"] };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const [k, v] of [["HARNESS_SANDBOX", saved.mode], ["HARNESS_RUNNER_SOCKET", saved.socket]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  for (const close of closers.splice(0)) await close();
});

/** A runner over `root`, and this process set to send every command to it. */
async function useRunner(root: string): Promise<string> {
  const socket = join(temp.make("runner-sock-"), "runner.sock");
  const runner = await startRunner({ socketPath: socket, root });
  closers.push(runner.close);
  process.env["HARNESS_SANDBOX"] = "runner";
  process.env["HARNESS_RUNNER_SOCKET"] = socket;
  return socket;
}

/** One raw request to the runner; resolves to its events once it closes the connection. */
function raw(socket: string, lines: string[]): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const s = connect(socket, () => s.write(lines.map((l) => `${l}\n`).join("")));
    const reader = new FrameReader();
    const events: Array<Record<string, unknown>> = [];
    s.on("data", (c: Buffer) => { for (const f of reader.push(c)) if (f.type === FRAME.event) events.push(JSON.parse(f.payload.toString()) as Record<string, unknown>); });
    s.on("close", () => resolve(events));
    s.on("error", reject);
  });
}

describe("runner - commands run in a sidecar that holds no credential", () => {
  it("runs a command in its workspace through the runner, with its output, exit code and the scrubbed environment", async () => {
    const ws = temp.make();
    await useRunner(ws);
    const r = await runCommand(ws, "pwd; echo to-err >&2; echo HOME=$HOME; exit 4", { env: { GREETING: "hi" } });
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toContain(`${ws}\n`);
    expect(r.stdout).toContain(`HOME=${ws}/.harness-home`);
    expect(r.stderr).toBe("to-err\n");
  });

  it("kills a command at its time limit through the runner, with everything it started", async () => {
    const ws = temp.make();
    await useRunner(ws);
    const started = Date.now();
    const r = await runCommand(ws, "sleep 1000 & sleep 1000", { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("starts a server through the runner, waits for it to answer and stops it", async () => {
    const ws = temp.make();
    await useRunner(ws);
    writeFileSync(join(ws, "s.cjs"), "require('node:http').createServer((q, r) => r.end('up')).listen(Number(process.env.PORT), '127.0.0.1');");
    const servers = new ServerRegistry();
    const port = await freePort();
    await servers.start(ws, "node s.cjs", { port, readinessPath: "/" });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("up");
    await servers.stopAll();
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("runs git on the workspace through the runner (the message on stdin)", async () => {
    const ws = temp.make();
    await useRunner(ws);
    await gitInit(ws);
    writeFileSync(join(ws, "a.txt"), "a\n");
    const sha = await gitCommit(ws, "first `not run` $(nor this)");
    expect(await gitLog(ws)).toEqual([{ sha, message: "first `not run` $(nor this)" }]);
  });

  it("refuses a working directory outside its root, a malformed request and anything but signals after the spawn", async () => {
    const root = temp.make();
    const socket = await useRunner(root);
    const outside = temp.make();
    const spawn = (cwd: string) => JSON.stringify({ v: 1, op: "spawn", cwd, argv: ["/bin/true"], env: {} });
    expect(await raw(socket, [spawn(outside)])).toEqual([{ event: "error", message: expect.stringContaining("outside the runner's root") }]);
    expect(await raw(socket, [spawn(`${root}/../${outside.split("/").pop()}`)])).toEqual([{ event: "error", message: expect.stringContaining("outside") }]);
    expect(await raw(socket, ["{not json"])).toEqual([{ event: "error", message: "a request is not JSON" }]);
    expect(await raw(socket, [JSON.stringify({ v: 1, op: "spawn", cwd: root, argv: [], env: {}, extra: 1 })])).toEqual([{ event: "error", message: expect.stringMatching(/argv.*extra|extra|argv/) }]);
    const events = await raw(socket, [JSON.stringify({ v: 1, op: "spawn", cwd: root, argv: ["/bin/sleep", "5"], env: {} }), JSON.stringify({ op: "spawn" })]);
    expect(events.at(-1)).toEqual({ event: "error", message: "after the spawn request only signal requests are accepted" });
  });

  it("a runner that is not there is a clear retryable error at once, not a hang", async () => {
    const ws = temp.make();
    process.env["HARNESS_SANDBOX"] = "runner";
    process.env["HARNESS_RUNNER_SOCKET"] = join(temp.make(), "gone.sock");
    const started = Date.now();
    await expect(runCommand(ws, "true")).rejects.toMatchObject({ name: "RunnerUnavailableError", code: ERROR_CODES.runner, retryable: true, message: expect.stringContaining("is not listening") });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a runner that goes away while a command runs ends the command with that error", async () => {
    const ws = temp.make();
    const socket = join(temp.make("runner-sock-"), "runner.sock");
    const runner = await startRunner({ socketPath: socket, root: ws });
    process.env["HARNESS_SANDBOX"] = "runner";
    process.env["HARNESS_RUNNER_SOCKET"] = socket;
    mkdirSync(join(ws, "x"));
    const running = runCommand(ws, "sleep 30", { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    // What a crashed runner container looks like from here: every connection cut.
    const closing = runner.close();
    await expect(running).rejects.toMatchObject({ name: "RunnerUnavailableError" });
    await closing;
  }, 20_000);
});
