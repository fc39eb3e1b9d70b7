import { startNatsServer, type NatsServer } from "@harness/testkit";
import { crash, exited, isAlive, servicePid } from "./chaos-procs.js";
import { startStack, type ServiceName, type ServiceProc, type Stack } from "./stack.js";

export type Role = ServiceName;
export const ROLES: readonly Role[] = ["planner", "generator", "evaluator", "supervisor"];

export interface Fault {
  kind: "kill" | "nats-restart";
  role?: Role;
  /** Epoch ms when the fault hit. */
  at: number;
  /** Epoch ms when the replacement (or the server) was ready again. */
  backAt: number;
}

export interface ApiReply<T> { status: number; body: T }

export interface Cluster {
  stack: Stack;
  nats: NatsServer;
  faults: Fault[];
  live(role: Role): ServiceProc[];
  /** Calls whichever supervisor replica answers; retries while replicas or NATS are down. */
  api<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply<T>>;
  /** SIGKILLs one live replica of `role` (the whole process tree) and starts a replacement. */
  crashOne(role: Role, pick: (n: number) => number): Promise<Fault>;
  /** Stops nats-server and starts it again on the same port and store. */
  restartNats(): Promise<Fault>;
  stop(): Promise<void>;
}

const SUPERVISOR_URL = /supervisor listening on (http:\/\/\S+)/;

export function supervisorUrl(sp: ServiceProc): string | undefined {
  return SUPERVISOR_URL.exec(sp.output())?.[1];
}

/** A stack with `replicas` of every role, including the supervisor, on a restartable nats-server. */
export async function startCluster(opts: { modelUrl: string; replicas?: number; env?: Record<string, string> }): Promise<Cluster> {
  const nats = await startNatsServer();
  const n = opts.replicas ?? 2;
  const roles: Role[] = [];
  for (const role of ROLES) for (let i = role === "supervisor" ? 1 : 0; i < n; i++) roles.push(role);
  const stack = await startStack({ modelUrl: opts.modelUrl, nats, roles, ...(opts.env ? { env: opts.env } : {}) });
  const faults: Fault[] = [];
  const live = (role: Role) => stack.services.filter((s) => s.name === role && !exited(s));

  const api = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply<T>> => {
    const deadline = Date.now() + 60_000;
    let last = "";
    while (Date.now() < deadline) {
      for (const sp of live("supervisor")) {
        const url = supervisorUrl(sp);
        if (!url) continue;
        try {
          const res = await fetch(`${url}${path}`, {
            method,
            headers: { authorization: `Bearer ${stack.token}`, ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          // 5xx while NATS restarts is expected: ask again rather than fail the run's audit.
          if (res.status >= 500) { last = `${res.status} ${text}`; continue; }
          return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
        } catch (err) {
          last = String(err);
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no supervisor answered ${method} ${path} within 60s: ${last}`);
  };

  return {
    stack, nats, faults, live, api,
    async crashOne(role, pick) {
      const replicas = live(role);
      const victim = replicas[pick(replicas.length)];
      if (!victim) throw new Error(`no live ${role} replica to kill`);
      const at = await crash(victim);
      await startReplacement(stack, role);
      const fault: Fault = { kind: "kill", role, at, backAt: Date.now() };
      faults.push(fault);
      return fault;
    },
    async restartNats() {
      const at = Date.now();
      await nats.restart();
      const fault: Fault = { kind: "nats-restart", at, backAt: Date.now() };
      faults.push(fault);
      return fault;
    },
    async stop() {
      // A service that ignores SIGTERM would leave the launcher's SIGKILL on its tsx wrapper only.
      const pids = stack.services.filter((s) => !exited(s)).map(servicePid);
      await stack.stop();
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
      await nats.cleanup();
    },
  };
}

/** A replacement that boots while nats-server restarts exits at once; it is started again. */
async function startReplacement(stack: Stack, role: Role): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await stack.start(role);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Deterministic randomness for a replayable schedule (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
