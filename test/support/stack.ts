import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchService, stopService, type ServiceName, type ServiceProc } from "@harness/cli";
import { startNatsServer, type NatsServer } from "@harness/testkit";

export { REPO_ROOT as ROOT } from "@harness/cli";
export type { ServiceName, ServiceProc };

export interface Stack {
  nats: NatsServer;
  apiUrl: string;
  token: string;
  services: ServiceProc[];
  /** Starts one more replica of a service (e.g. after a kill). */
  start(name: ServiceName, env?: Record<string, string>): Promise<ServiceProc>;
  kill(proc: ServiceProc, signal?: NodeJS.Signals): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

export interface StackOptions {
  modelUrl: string;
  env?: Record<string, string>;
  /** Extra replicas or evaluators: defaults to one of each role. */
  roles?: ServiceName[];
  nats?: NatsServer;
  /** Custom evaluators: each gets its NATS user on the stack's own server and its durable from the supervisor. */
  evaluators?: string[];
}

/**
 * The NATS user a service process connects as: its role's, or a custom evaluator's
 * (EVALUATOR_NAME). Workers may not provision: the supervisor, started first, does.
 */
function natsEnv(nats: NatsServer, name: ServiceName, env: Record<string, string>): Record<string, string> {
  if (!nats.credentials) return { NATS_URL: nats.url };
  const evaluator = env["EVALUATOR_NAME"];
  const user = name === "evaluator" && evaluator && evaluator !== "core" ? `evaluator-${evaluator}` : name;
  return { ...nats.envFor(user), ...(name === "supervisor" ? {} : { HARNESS_PROVISION: "false" }) };
}

/** The four services as separate processes, talking only through a fresh nats-server. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const nats = opts.nats ?? (await startNatsServer({ evaluators: opts.evaluators ?? [] }));
  const token = "test-token-0123456789";
  const work = mkdtempSync(join(tmpdir(), "harness-stack-"));
  chmodSync(work, 0o711); // the sandbox user passes through to the workspaces below
  const services: ServiceProc[] = [];
  let apiUrl = "";
  const baseEnv: Record<string, string> = {
    PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? work,
    ANTHROPIC_BASE_URL: opts.modelUrl, ANTHROPIC_API_KEY: "sk-ant-test-secret-key-do-not-leak", HARNESS_API_TOKEN: token,
    SUPERVISOR_PORT: "0", SUPERVISOR_HOST: "127.0.0.1", LOG_LEVEL: "info", HARNESS_ACK_WAIT_MS: "5000",
    GENERATOR_WORKDIR: join(work, "generator"), EVALUATOR_WORKDIR: join(work, "evaluator"),
    ...(opts.evaluators ? { SUPERVISOR_EVALUATORS: ["core", ...opts.evaluators].join(",") } : {}),
    ...opts.env,
  };

  const start = async (name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProc> => {
    const { sp, url } = await launchService(name, name, { env: { ...baseEnv, ...natsEnv(nats, name, { ...baseEnv, ...env }), HARNESS_INSTANCE: `${name}-${services.length}`, ...env }, readyTimeoutMs: 30_000 });
    services.push(sp);
    if (url) apiUrl = url;
    return sp;
  };

  const kill = (sp: ServiceProc, signal: NodeJS.Signals = "SIGTERM") => stopService(sp, signal);

  // Supervisor first: it provisions streams and consumers.
  await start("supervisor");
  for (const role of opts.roles ?? ["planner", "generator", "evaluator"]) await start(role);

  return {
    nats, get apiUrl() { return apiUrl; }, token, services, start, kill,
    logs: () => services.map((s) => `===== ${s.name} =====\n${s.output()}`).join("\n"),
    stop: async () => {
      await Promise.all(services.map((s) => kill(s)));
      if (!opts.nats) await nats.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export async function api<T = unknown>(stack: Stack, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
