import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startScriptedModel, type ScriptedModel, type Script } from "@harness/scripted-model";
import { writeLocalCredentials, type LocalCredentials } from "@harness/nats-config";
import { findNatsServer, startNatsServer } from "@harness/testkit";
import { sandboxStatus, type SandboxStatus } from "@harness/workspace";
import { launchService, stopService, type ServiceName, type ServiceProc } from "./launcher.js";
import { claimNatsStore, releaseNatsLock, writeNatsLock } from "./nats-lock.js";
import { withKeptPort } from "./nats-port.js";
import { killStrays } from "./strays.js";

export interface LocalStackOptions {
  dataDir: string;
  /** API/dashboard port; 0 picks a free one. */
  port: number;
  token?: string;
  /** Use this scripted model instead of Anthropic (no key, no network). */
  script?: Script;
  onLine?: (name: string, line: string) => void;
  env?: Record<string, string>;
  /** Aborted while starting: no further service is started, what started is stopped, and it rejects. */
  signal?: AbortSignal;
}

export interface LocalStack {
  apiUrl: string;
  token: string;
  natsUrl: string;
  scripted: ScriptedModel | undefined;
  services: ServiceProc[];
  /** How the generator's and evaluator's commands are kept from credentials on this machine. */
  sandbox: SandboxStatus;
  /** Drains the services, then stops NATS; resolves to the services that did not exit cleanly. */
  stop(): Promise<string[]>;
}

export class StackError extends Error {
  readonly code = "CLI_ERR_STACK";
  constructor(message: string) { super(message); this.name = "StackError"; }
}

/** The per-role NATS credentials of a data folder (see docs/operations.md, "NATS credentials"). */
export function natsAuthDir(dataDir: string): string {
  return join(dataDir, "nats-auth");
}

export interface LocalNats {
  url: string;
  credentials: LocalCredentials;
  /** How `harness evaluator add` has this server reload its users. */
  reload: { pid: number; monitorUrl: string } | { docker: string };
  stop(): Promise<void>;
}

/** The data folder's NATS (nats-server, else Docker), on the port it had last time when that is free. */
export async function startLocalNats(dataDir: string): Promise<LocalNats> {
  const authDir = natsAuthDir(dataDir);
  try {
    findNatsServer();
  } catch {
    if (dockerWorks()) {
      const credentials = writeLocalCredentials(authDir);
      // The users' config is mounted read-only; the server re-reads it on SIGHUP (docker kill -s HUP).
      const { server: container, note } = await withKeptPort(dataDir, async (wanted) => {
        const id = execFileSync("docker", ["run", "-d", "--rm", "-p", `127.0.0.1:${wanted || ""}:4222`, "-v", `${authDir}:/etc/harness-nats:ro`, "nats:2.10-alpine", "-js", "-c", "/etc/harness-nats/server.conf"], { encoding: "utf8" }).trim();
        return { id, port: Number(execFileSync("docker", ["port", id, "4222/tcp"], { encoding: "utf8" }).trim().split(":").pop()) };
      });
      if (note) console.log(note);
      const id = container.id;
      return { url: `nats://127.0.0.1:${container.port}`, credentials, reload: { docker: id }, stop: async () => { execFileSync("docker", ["rm", "-f", id]); } };
    }
    throw new StackError("nats-server was not found and Docker is not running. Install it (Debian/Ubuntu: sudo apt-get install nats-server; macOS: brew install nats-server) or start Docker.");
  }
  const storeDir = join(dataDir, "nats");
  const cleared = await claimNatsStore(dataDir, storeDir);
  if (cleared) console.log(cleared);
  // The harness's per-role users, no admin: anonymous connections are refused.
  const { server, note } = await withKeptPort(dataDir, (port) => startNatsServer({ storeDir, detached: true, credentialsDir: authDir, admin: false, port }));
  if (note) console.log(note);
  writeNatsLock(dataDir, server.pid, storeDir);
  const credentials = server.credentials;
  if (!credentials) throw new StackError("NATS started without its users");
  // cleanup() removes the server's temp config dir; the store and the credentials live in dataDir and stay.
  return { url: server.url, credentials, reload: { pid: server.pid, monitorUrl: server.monitorUrl }, stop: async () => { await server.cleanup(); releaseNatsLock(dataDir); } };
}

/**
 * A service's NATS credentials: its own user and password file, nothing of another role's.
 * Workers may not provision under their users; the supervisor, started first, does.
 */
function natsEnv(nats: LocalNats, name: ServiceName, dataDir: string): Record<string, string> {
  return {
    NATS_USER: name, NATS_PASSWORD_FILE: nats.credentials.passwordFile(name),
    ...(name === "supervisor"
      ? { SUPERVISOR_EVALUATORS: ["core", ...nats.credentials.evaluators].join(","), HARNESS_API_TOKEN_FILE: join(resolve(dataDir), "token") }
      : { HARNESS_PROVISION: "false" }),
  };
}

function dockerWorks(): boolean {
  try { execFileSync("docker", ["info"], { stdio: "ignore", timeout: 5_000 }); return true; } catch { return false; }
}

/** NATS, (the scripted model,) and the four services as separate processes. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(opts.dataDir, { recursive: true });
  // A bad HARNESS_SANDBOX fails here, before anything starts.
  const sandbox = sandboxStatus();
  const given = opts.token ?? process.env["HARNESS_API_TOKEN"];
  const apiToken = stackToken(opts.dataDir, given);
  // Saved before the supervisor starts: it reads the token from this file (mode 0600), so the
  // token is in no service's environment.
  saveToken(opts.dataDir, apiToken, given === undefined);
  const nats = await startLocalNats(opts.dataDir);
  let scripted: ScriptedModel | undefined;
  try {
    scripted = opts.script ? await startScriptedModel({ script: opts.script }) : undefined;
  } catch (err) {
    // NATS has its own process group: nothing else would stop it.
    await nats.stop();
    throw err;
  }
  const services: ServiceProc[] = [];
  // Workspaces live outside the project: a build must not inherit this repository's
  // package.json ("type": "module") or resolve modules from its node_modules.
  const workRoot = mkdtempSync(join(tmpdir(), "harness-work-"));
  // mkdtemp makes it 0700; the sandbox users of the workspaces below must pass through it.
  chmodSync(workRoot, 0o711);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NATS_URL: nats.url, SUPERVISOR_HOST: "127.0.0.1", SUPERVISOR_PORT: String(opts.port),
    GENERATOR_WORKDIR: join(workRoot, "generator"), EVALUATOR_WORKDIR: join(workRoot, "evaluator"),
    ...(scripted ? { ANTHROPIC_BASE_URL: scripted.url, ANTHROPIC_API_KEY: "scripted" } : {}),
    // Where a user-namespace sandbox covers credentials: the data folder holds the NATS
    // passwords, the API token and stack.json.
    HARNESS_SANDBOX_HIDE: [resolve(opts.dataDir), process.env["HARNESS_SANDBOX_HIDE"]].filter(Boolean).join(":"),
    ...opts.env,
  };
  // Each service gets its own user's password file (natsEnv); a password from the shell is no one's.
  delete env["NATS_PASSWORD"];
  // Only the supervisor needs the API token, and it gets it as a file (natsEnv).
  delete env["HARNESS_API_TOKEN"];
  const stop = async (): Promise<string[]> => {
    await Promise.all(services.map((s) => stopService(s)));
    const unclean = services.filter((s) => s.proc.exitCode !== 0).map((s) => `${s.name} exited with ${s.proc.exitCode ?? s.proc.signalCode}`);
    await scripted?.close();
    await nats.stop();
    killStrays(workRoot);
    rmSync(workRoot, { recursive: true, force: true });
    return unclean;
  };
  try {
    let apiUrl = "";
    for (const name of ["supervisor", "planner", "generator", "evaluator"] as ServiceName[]) {
      if (opts.signal?.aborted) throw new StackError("stopped while starting");
      // Kept from its spawn, so a stop while it starts stops it too.
      const { url } = await launchService(name, name, {
        env: { ...env, ...natsEnv(nats, name, opts.dataDir), ...opts.env }, onSpawn: (sp) => services.push(sp), ...(opts.onLine ? { onLine: opts.onLine } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (url) apiUrl = url;
    }
    const stackFile = join(opts.dataDir, "stack.json");
    writeFileSync(stackFile, JSON.stringify({ apiUrl, natsUrl: nats.url, pid: process.pid, natsReload: nats.reload, scripted: scripted !== undefined }, null, 2), { mode: 0o600 });
    // The mode above applies only to a new file.
    chmodSync(stackFile, 0o600);
    return { apiUrl, token: apiToken, natsUrl: nats.url, scripted, services, sandbox, stop: async () => { const unclean = await stop(); rmSync(join(opts.dataDir, "stack.json"), { force: true }); return unclean; } };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The API token for a new stack: the one given, else the one the last `up` generated (so
 * scripts that use it go on working), else a new one. A token that came from the environment is
 * saved for the CLI's other commands but never reused without it: it may be a remote
 * deployment's, and reusing it would print it.
 */
export function stackToken(dataDir: string, given: string | undefined): string {
  if (given !== undefined) return given;
  const saved = join(dataDir, "token");
  const kept = existsSync(saved) && existsSync(join(dataDir, GENERATED_MARK)) ? readFileSync(saved, "utf8").trim() : "";
  return kept.length >= 16 ? kept : randomBytes(24).toString("base64url");
}

const GENERATED_MARK = "token.generated";

export function saveToken(dataDir: string, token: string, generated: boolean): void {
  const saved = join(dataDir, "token");
  writeFileSync(saved, token, { mode: 0o600 });
  // The mode above applies only to a new file.
  chmodSync(saved, 0o600);
  if (generated) writeFileSync(join(dataDir, GENERATED_MARK), "");
  else rmSync(join(dataDir, GENERATED_MARK), { force: true });
}
