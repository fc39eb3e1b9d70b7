import { request } from "node:http";
import { connect } from "node:net";
import { scrubbedEnv } from "./env.js";
import { ERROR_CODES, ToolError } from "./errors.js";
import { OutputCapture } from "./output.js";
import { realRoot } from "./paths.js";
import { spawnGroup, type Group } from "./process-group.js";

export const DEFAULT_SERVER_TIMEOUT_MS = 60_000;
const SERVER_OUTPUT_BYTES = 32 * 1024;
const PROBE_INTERVAL_MS = 150;
const STOP_GRACE_MS = 3_000;

export interface ServerStartOptions {
  port: number;
  /** Probed with GET on http://127.0.0.1:<port><readinessPath>; any status below 500 means ready. */
  readinessPath: string;
  timeoutMs?: number;
  /** Added on top of the scrubbed env; PORT is set to `port` unless given here. */
  env?: Record<string, string>;
}

export interface RunningServer {
  port: number;
  /** Combined stdout and stderr so far (head and tail kept). */
  output(): string;
}

interface Entry { group: Group; output: OutputCapture; exited: Promise<void> }

/**
 * Long-running processes (dev servers, APIs) a build or an evaluation needs, by port.
 * The owner calls stopAll() when the build ends so nothing outlives it.
 */
export class ServerRegistry {
  private readonly servers = new Map<number, Entry>();

  async start(root: string, command: string, opts: ServerStartOptions): Promise<RunningServer> {
    const { port } = opts;
    const url = readinessUrl(port, opts.readinessPath);
    if (this.servers.has(port)) throw new ToolError(`a server is already running on port ${port}; stop_server it first`, ERROR_CODES.serverStart);
    if (await answersTcp("127.0.0.1", port)) throw new ToolError(`port ${port} is already in use by another process; pick another port`, ERROR_CODES.serverStart);
    const group = await spawnGroup(command, realRoot(root), scrubbedEnv({ PORT: String(port), ...opts.env }));
    const child = group.leader;
    const output = new OutputCapture(SERVER_OUTPUT_BYTES);
    child.stdout.on("data", (c: Buffer) => output.write(c));
    child.stderr.on("data", (c: Buffer) => output.write(c));
    let exitInfo: string | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once("exit", (code: number | null, signal: string | null) => { exitInfo = signal ? `was killed by ${signal}` : `exited with code ${code}`; resolve(); });
      child.once("error", (err: Error) => { exitInfo = `failed to start: ${err.message}`; resolve(); });
    });
    const entry: Entry = { group, output, exited };
    this.servers.set(port, entry);

    const timeoutMs = opts.timeoutMs ?? DEFAULT_SERVER_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exitInfo !== undefined) {
        await this.stop(port);
        throw new ToolError(`server command ${exitInfo} before ${url} answered; output:\n${output.text()}`, ERROR_CODES.serverStart);
      }
      const status = await probe(url);
      if (status !== undefined && status < 500) break;
      if (Date.now() >= deadline) {
        const hint = (await answersTcp("::1", port)) && !(await answersTcp("127.0.0.1", port))
          ? " It listens on [::1] only: bind 0.0.0.0 or 127.0.0.1." : "";
        await this.stop(port);
        const last = status === undefined ? "no answer" : `last status ${status}`;
        throw new ToolError(`server was not ready after ${timeoutMs} ms (${last} from ${url}); it was stopped.${hint} Output:\n${output.text()}`, ERROR_CODES.serverStart);
      }
      await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
    }
    return { port, output: () => output.text() };
  }

  /** SIGTERM to the whole group, SIGKILL if it is still there after a grace period. */
  async stop(port: number): Promise<void> {
    const entry = this.servers.get(port);
    if (!entry) throw new ToolError(`no server was started on port ${port}`, ERROR_CODES.noServer);
    this.servers.delete(port);
    const { group } = entry;
    group.kill("SIGTERM");
    const deadline = Date.now() + STOP_GRACE_MS;
    while (group.alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    group.kill("SIGKILL");
    await Promise.race([entry.exited, new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((port) => this.stop(port)));
  }

  ports(): number[] {
    return [...this.servers.keys()];
  }

  output(port: number): string | undefined {
    return this.servers.get(port)?.output.text();
  }
}

/** Only ever the local server: a crafted path must not turn the probe into a request elsewhere. */
function readinessUrl(port: number, path: string): string {
  const url = `http://127.0.0.1:${port}${path.startsWith("/") ? "" : "/"}${path}`;
  let parsed: URL | undefined;
  try { parsed = new URL(url); } catch { parsed = undefined; }
  if (!parsed || parsed.host !== `127.0.0.1:${port}` || /\s/.test(path)) {
    throw new ToolError(`readiness path '${path}' must be a URL path such as /health`, ERROR_CODES.invalidInput);
  }
  return url;
}

function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

function answersTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}
