import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface NatsServerOptions {
  /** Extra nats-server config text (e.g. an `authorization { ... }` block). */
  config?: string;
  /** Keep the store dir between restarts of the same server object. */
  storeDir?: string;
  /** Fixed client port, used by restarts so clients reconnect to the same address. */
  port?: number;
  /**
   * Its own process group: a terminal's Ctrl-C (sent to the whole foreground group) does not stop
   * it before the services using it have drained. Whoever starts it must stop it.
   */
  detached?: boolean;
}

export interface NatsServer {
  url: string;
  port: number;
  monitorUrl: string;
  storeDir: string;
  pid: number;
  /** Stops the server (SIGTERM, or SIGKILL with `hard`) and keeps the store. */
  stop(hard?: boolean): Promise<void>;
  /** Starts again on the same port and store: JetStream state survives. */
  restart(): Promise<void>;
  /** Stops and removes the temp dirs. */
  cleanup(): Promise<void>;
}

/** nats-server from PATH, then the Debian location. */
export function findNatsServer(): string {
  const fromEnv = process.env["NATS_SERVER_BIN"];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, "nats-server");
    if (dir && existsSync(candidate)) return candidate;
  }
  if (existsSync("/usr/sbin/nats-server")) return "/usr/sbin/nats-server";
  throw new Error("nats-server not found on PATH or in /usr/sbin: install it (apt-get install nats-server) or set NATS_SERVER_BIN");
}

/** Starts an isolated `nats-server -js` on random ports with a temp store. */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const root = mkdtempSync(join(tmpdir(), "harness-nats-"));
  const storeDir = opts.storeDir ?? join(root, "js");
  let port = opts.port ?? 0;
  let monitorUrl = "";
  let proc: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const portsDir = mkdtempSync(join(root, "ports-"));
    const confPath = join(root, "server.conf");
    writeFileSync(confPath, `${opts.config ?? ""}\n`);
    const args = ["-c", confPath, "-js", "-sd", storeDir, "-a", "127.0.0.1", "-p", String(port || -1), "-m", "-1", "--ports_file_dir", portsDir];
    const child = spawn(findNatsServer(), args, { stdio: ["ignore", "ignore", "pipe"], detached: opts.detached ?? false });
    proc = child;
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4_000); });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}: ${stderr}`);
      const file = readdirSync(portsDir).find((f) => f.endsWith(".ports"));
      if (file) {
        let ports: { nats: string[]; monitoring?: string[] } | undefined;
        // The server may still be writing the file: an incomplete read is retried.
        try { ports = JSON.parse(readFileSync(join(portsDir, file), "utf8")) as { nats: string[]; monitoring?: string[] }; } catch { ports = undefined; }
        const url = ports?.nats[0];
        if (url) {
          port = Number(new URL(url).port);
          monitorUrl = ports?.monitoring?.[0] ?? "";
          await waitHealthy(monitorUrl, deadline);
          return;
        }
      }
      await sleep(20);
    }
    child.kill("SIGKILL");
    throw new Error(`nats-server did not start within 15s: ${stderr}`);
  };

  const stop = async (hard = false): Promise<void> => {
    const child = proc;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(hard ? "SIGKILL" : "SIGTERM");
    await Promise.race([exited, sleep(10_000).then(() => child.kill("SIGKILL"))]);
    await exited;
  };

  await launch();
  const server: NatsServer = {
    get url() { return `nats://127.0.0.1:${port}`; },
    get port() { return port; },
    get monitorUrl() { return monitorUrl; },
    get pid() { return proc?.pid ?? -1; },
    storeDir,
    stop,
    restart: async () => { await stop(); await launch(); },
    cleanup: async () => { await stop(); rmSync(root, { recursive: true, force: true }); },
  };
  return server;
}

async function waitHealthy(monitorUrl: string, deadline: number): Promise<void> {
  if (!monitorUrl) return;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
