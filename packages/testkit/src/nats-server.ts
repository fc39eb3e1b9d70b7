import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { ADMIN_USER, inboxPrefix, writeLocalCredentials, type LocalCredentials } from "@harness/nats-config";

export interface NatsServerOptions {
  /**
   * nats-server config text that brings its own `authorization` block: the server then has no
   * generated users. Without it, the server runs the harness's per-role users and permissions
   * (packages/nats-config) plus `harness-admin`, which may do anything, and refuses anonymous
   * connections.
   */
  config?: string;
  /** Custom evaluators that get their own user (`evaluator-<name>`). */
  evaluators?: readonly string[];
  /** Where the generated credentials live (kept across runs); default: the server's temp folder. */
  credentialsDir?: string;
  /** No users at all: anonymous clients may do anything (only to show what auth prevents). */
  anonymous?: boolean;
  /** Add the unrestricted `harness-admin` user (default true: tests play NATS themselves). */
  admin?: boolean;
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
  /** The generated users; undefined for a server started with `config` or `anonymous`. */
  credentials: LocalCredentials | undefined;
  /**
   * Connect options for a user (default `harness-admin`), for the bus and for nats.js alike:
   * `connectBus({ ...server.as("planner"), name })`, `connect(server.as())`.
   */
  as(user?: string): { url: string; servers: string; user?: string; pass?: string; inboxPrefix?: string };
  /** A service's environment for a user: NATS_URL, NATS_USER, NATS_PASSWORD_FILE. */
  envFor(user: string): Record<string, string>;
  /** Regenerates the users (adding these custom evaluators) and has the server reload them. */
  addEvaluators(names: readonly string[]): Promise<void>;
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
  const generated = opts.config === undefined && !opts.anonymous;
  const credentialsDir = opts.credentialsDir ?? join(root, "credentials");
  let credentials = generated ? writeLocalCredentials(credentialsDir, { evaluators: opts.evaluators ?? [], admin: opts.admin ?? true }) : undefined;

  const launch = async (): Promise<void> => {
    const portsDir = mkdtempSync(join(root, "ports-"));
    const confPath = join(root, "server.conf");
    // Generated users are included from their folder (relative: nats-server joins include paths
    // to the config's folder), so a reload after addEvaluators reads them again.
    // JetStream is in the file, not only on the command line: nats-server 2.9 turns JetStream off
    // on a reload of a file without it, and refuses one whose store differs from `-sd`.
    const text = credentials
      ? `jetstream { store_dir: ${JSON.stringify(storeDir)} }\ninclude ${JSON.stringify(relative(root, credentials.confPath))}`
      : opts.config ?? "";
    writeFileSync(confPath, `${text}\n`, { mode: 0o600 });
    // `-sd` with a store_dir in the file is refused as a duplicate; the pid file in the store
    // keeps the store's path in the command line, where `ps` and the CLI's lock look for it.
    mkdirSync(storeDir, { recursive: true });
    const store = credentials ? ["-P", join(storeDir, "nats-server.pid")] : ["-sd", storeDir];
    const args = ["-c", confPath, "-js", ...store, "-a", "127.0.0.1", "-p", String(port || -1), "-m", "-1", "--ports_file_dir", portsDir];
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
    get credentials() { return credentials; },
    as(user = ADMIN_USER) {
      const url = `nats://127.0.0.1:${port}`;
      // The user's own inbox prefix: its permissions allow no other (see inboxPrefix).
      return credentials ? { url, servers: url, user, pass: credentials.password(user), inboxPrefix: inboxPrefix(user) } : { url, servers: url };
    },
    envFor(user) {
      if (!credentials) return { NATS_URL: `nats://127.0.0.1:${port}` };
      return { NATS_URL: `nats://127.0.0.1:${port}`, NATS_USER: user, NATS_PASSWORD_FILE: credentials.passwordFile(user) };
    },
    async addEvaluators(names) {
      if (!credentials) throw new Error("this server has no generated users");
      credentials = writeLocalCredentials(credentialsDir, { evaluators: names, admin: opts.admin ?? true });
      await reloadNats(proc?.pid ?? -1, monitorUrl);
    },
    stop,
    restart: async () => { await stop(); await launch(); },
    cleanup: async () => { await stop(); rmSync(root, { recursive: true, force: true }); },
  };
  return server;
}

/**
 * Has a running nats-server read its config again (users and permissions reload without a
 * restart; SIGHUP is what `nats-server --signal reload=<pid>` sends) and resolves once its
 * monitor port shows a newer config load time, so the new users can connect. A config the server
 * cannot load keeps the old one: that is a timeout here, and the server's log says why.
 */
export async function reloadNats(pid: number, monitorUrl: string, timeoutMs = 10_000): Promise<void> {
  if (pid <= 0) throw new Error("nats-server is not running");
  const loadedAt = async (): Promise<string> => {
    try { return ((await (await fetch(`${monitorUrl}/varz`)).json()) as { config_load_time?: string }).config_load_time ?? ""; } catch { return ""; }
  };
  const before = monitorUrl ? await loadedAt() : "";
  process.kill(pid, "SIGHUP");
  if (!monitorUrl) { await sleep(500); return; }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = await loadedAt();
    if (now !== "" && now !== before) return;
    await sleep(25);
  }
  throw new Error(`nats-server (pid ${pid}) did not reload its config within ${timeoutMs}ms: see its log`);
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
