import { describe, expect, it } from "vitest";
import { createCommandTools } from "./command-tools.js";
import { ERROR_CODES } from "./errors.js";
import { ServerRegistry } from "./servers.js";
import { freePort, processGone, tool, useTempDirs } from "./test-support.js";

const temp = useTempDirs();

const SERVER = (delayMs: number) =>
  `node -e "setTimeout(() => require('http').createServer((q, s) => s.end('pid ' + process.pid)).listen(+process.env.PORT, '127.0.0.1', () => console.log('listening')), ${delayMs})"`;

async function refused(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return false;
  } catch {
    return true;
  }
}

describe("start_server / stop_server - long-running processes", () => {
  it("start_server returns once the readiness path answers, and stop_server kills the server", async () => {
    const root = temp.make();
    const servers = new ServerRegistry();
    const tools = createCommandTools(root, { servers });
    const port = await freePort();
    const out = await tool(tools, "start_server").run({ command: SERVER(300), port, readiness_path: "/health", timeout_ms: 10_000 });
    expect(out).toMatch(new RegExp(`^server on port ${port} is ready`));
    expect(out).toContain("listening");
    const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const pid = Number(body.replace("pid ", ""));
    expect(servers.ports()).toEqual([port]);
    expect(await tool(tools, "stop_server").run({ port })).toMatch(/^stopped the server on port/);
    expect(processGone(pid)).toBe(true);
    expect(await refused(port)).toBe(true);
    expect(servers.ports()).toEqual([]);
  });

  it("start_server fails with the server's output when the command exits before it is ready", async () => {
    const root = temp.make();
    const tools = createCommandTools(root);
    const port = await freePort();
    await expect(tool(tools, "start_server").run({ command: "echo boom-config-missing >&2; exit 2", port, readiness_path: "/" }))
      .rejects.toMatchObject({ name: "ToolError", code: ERROR_CODES.serverStart, message: expect.stringMatching(/exited with code 2[\s\S]*boom-config-missing/) });
  });

  it("start_server gives up at its timeout and stops a server that never answers", async () => {
    const root = temp.make();
    const servers = new ServerRegistry();
    const port = await freePort();
    await expect(servers.start(root, "echo waiting; sleep 1000", { port, readinessPath: "/", timeoutMs: 500 }))
      .rejects.toThrow(/not ready after 500 ms \(no answer[\s\S]*waiting/);
    expect(servers.ports()).toEqual([]);
  });

  it("start_server only ever probes the local port", async () => {
    const tools = createCommandTools(temp.make());
    await expect(tool(tools, "start_server").run({ command: "true", port: 3000, readiness_path: "http://example.com/" }))
      .rejects.toMatchObject({ code: ERROR_CODES.invalidInput });
    await expect(new ServerRegistry().start(temp.make(), "true", { port: 3000, readinessPath: "/he alth" }))
      .rejects.toMatchObject({ code: ERROR_CODES.invalidInput });
  });

  it("stop_server on an unknown port is a tool error, and stopAll stops everything", async () => {
    const root = temp.make();
    const servers = new ServerRegistry();
    await expect(tool(createCommandTools(root, { servers }), "stop_server").run({ port: 1 })).rejects.toMatchObject({ code: ERROR_CODES.noServer });
    const [a, b] = [await freePort(), await freePort()];
    await servers.start(root, SERVER(0), { port: a, readinessPath: "/" });
    await servers.start(root, SERVER(0), { port: b, readinessPath: "/" });
    await servers.stopAll();
    expect(await refused(a)).toBe(true);
    expect(await refused(b)).toBe(true);
  });
});
