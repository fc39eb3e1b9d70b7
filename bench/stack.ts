import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchService, stopService, type ServiceName, type ServiceProc } from "@harness/cli";
import { startScriptedModel, type Script, type ScriptedModel } from "@harness/scripted-model";
import { startNatsServer, type NatsServer } from "@harness/testkit";
import { observe, type Observer } from "./observer.js";
import { cpuSeconds, peakRssMb, servicePid } from "./procfs.js";

/*
 * The whole harness for a benchmark: a fresh nats-server (so earlier benchmarks' streams do not
 * weigh on this one), the scripted model in this process, and every service as its own process,
 * exactly as `harness up` starts them.
 */

export interface BenchStack {
  nats: NatsServer;
  model: ScriptedModel;
  apiUrl: string;
  services: ServiceProc[];
  /** One more replica of a role, e.g. to scale generators out. */
  start(name: ServiceName, env?: Record<string, string>): Promise<ServiceProc>;
  createRun(prompt: string, options: Record<string, unknown>): Promise<string>;
  /** Peak resident memory (VmHWM) of each service process so far, MB, keyed `<role>-<n>`. */
  peakRssMb(): Record<string, number>;
  /** CPU seconds so far of each service (its own, plus exited child processes) and of nats-server. */
  cpuSeconds(): Record<string, number>;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  script: Script;
  /** Env for every service (concurrency knobs and the like). */
  env?: Record<string, string>;
  /** Roles after the supervisor, in start order; default one planner, generator and evaluator. */
  roles?: ServiceName[];
  /** The scripted model's minimum cacheable prefix (the real API has one); default 0. */
  minCacheableTokens?: number;
}

export const BENCH_API_TOKEN = "bench-token-0123456789";
const TOKEN = BENCH_API_TOKEN;

/**
 * How to stop everything started and not yet stopped (stacks, nats-servers still starting, a
 * stack's files before it is whole), so a signal can take it all down (see onStopSignal).
 * Each removes itself when it runs.
 */
const cleanups = new Set<() => Promise<void>>();
let stopping = false;

/** A nats-server that a signal stops even while it is starting; `done()` hands it over to its owner. */
export function startTrackedNats(): { server: Promise<NatsServer>; done(): void } {
  // Measurements of the pipeline itself: no users, as the numbers in docs/performance.md were taken.
  const server = startNatsServer({ anonymous: true });
  const cleanup = async (): Promise<void> => {
    cleanups.delete(cleanup);
    await (await server.catch(() => undefined))?.cleanup();
  };
  cleanups.add(cleanup);
  return { server, done: () => cleanups.delete(cleanup) };
}

export async function stopAllStacks(): Promise<void> {
  // Until nothing is left: a stack may finish starting while the first round stops the others.
  for (let round = 0; round < 10 && cleanups.size > 0; round++) {
    await Promise.allSettled([...cleanups].map((c) => c()));
  }
}

function checkNotStopping(): void {
  if (stopping) throw new Error("the benchmark is stopping");
}

/** True once a stop signal arrived: what fails from then on is the stop's doing, not a result. */
export function isStopping(): boolean {
  return stopping;
}

/**
 * On SIGINT or SIGTERM, runs `cleanup` (bounded to 15 s) and exits 130 or 143. Without it a killed
 * bench leaves every service and nats-server it started running, and their files behind.
 */
export function onStopSignal(cleanup: () => Promise<void>): void {
  const handler = (signal: NodeJS.Signals): void => {
    // Repeats (a second Ctrl-C) must not cut the clean-up short.
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: stopping the benchmark stacks`);
    const bounded = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
    void Promise.race([cleanup(), bounded]).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  const tracked = startTrackedNats();
  const nats = await tracked.server;
  const work = mkdtempSync(join(tmpdir(), "harness-bench-"));
  const dropWork = async (): Promise<void> => { cleanups.delete(dropWork); rmSync(work, { recursive: true, force: true }); };
  cleanups.add(dropWork);
  const model = await startScriptedModel({ script: opts.script, ...(opts.minCacheableTokens ? { minCacheableTokens: opts.minCacheableTokens } : {}) });
  const services: ServiceProc[] = [];
  let apiUrl = "";
  const baseEnv: Record<string, string> = {
    PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? work, TMPDIR: tmpdir(), NATS_URL: nats.url,
    ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: "bench", HARNESS_API_TOKEN: TOKEN,
    SUPERVISOR_PORT: "0", SUPERVISOR_HOST: "127.0.0.1",
    // Warnings only: at info every handoff logs a line, and the launcher buffering those lines
    // would be this process's cost, not the harness's. BENCH_LOG_LEVEL=info measures with them.
    LOG_LEVEL: process.env["BENCH_LOG_LEVEL"] ?? "warn",
    GENERATOR_WORKDIR: join(work, "generator"), EVALUATOR_WORKDIR: join(work, "evaluator"),
    ...opts.env,
  };
  // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles every service.
  const nodeArgs = (process.env["BENCH_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const start = async (name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProc> => {
    checkNotStopping();
    // Known from the moment it is spawned, so a stop during its start-up stops it too.
    const { sp, url } = await launchService(name, name, {
      env: { ...baseEnv, HARNESS_INSTANCE: `${name}-${services.length}`, ...env }, readyTimeoutMs: 120_000, nodeArgs, onSpawn: (p) => services.push(p),
    });
    if (url) apiUrl = url;
    return sp;
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= stopAll());
  const stopAll = async (): Promise<void> => {
    cleanups.delete(stop);
    await Promise.allSettled(services.map((s) => stopService(s)));
    await model.close();
    await nats.cleanup();
    rmSync(work, { recursive: true, force: true });
  };
  const stack: BenchStack = {
    nats, model, services, start, stop,
    get apiUrl() { return apiUrl; },
    async createRun(prompt, options) {
      const res = await fetch(`${apiUrl}/runs`, {
        method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ prompt, options }),
      });
      const body = await res.json() as { id?: string };
      if (res.status !== 201 || !body.id) throw new Error(`POST /runs answered ${res.status}: ${JSON.stringify(body)}`);
      return body.id;
    },
    peakRssMb: () => byService(services, (pid) => peakRssMb(pid)),
    cpuSeconds: () => {
      const out = byService(services, (pid) => { const c = cpuSeconds(pid); return c.self + c.children; });
      out["nats-server"] = cpuSeconds(nats.pid).self;
      return out;
    },
  };
  // Registered before any service starts, so a signal during start-up stops what did start.
  cleanups.add(stop);
  tracked.done();
  cleanups.delete(dropWork);
  try {
    // Supervisor first: it provisions streams and consumers.
    await start("supervisor");
    for (const role of opts.roles ?? ["planner", "generator", "evaluator"]) await start(role);
  } catch (err) {
    await stop();
    throw err;
  }
  return stack;
}

/** A figure per service process, keyed `<role>-<n>` in start order. */
function byService(services: readonly ServiceProc[], figure: (pid: number) => number): Record<string, number> {
  const counts = new Map<string, number>();
  const out: Record<string, number> = {};
  for (const s of services) {
    const n = counts.get(s.name) ?? 0;
    counts.set(s.name, n + 1);
    if (s.proc.pid !== undefined) out[`${s.name}-${n}`] = figure(servicePid(s.proc.pid));
  }
  return out;
}

/** Runs `fn` against a fresh stack watched by an observer; both are torn down whatever happens. */
export async function withBenchStack<T>(opts: BenchStackOptions, fn: (stack: BenchStack, observer: Observer) => Promise<T>): Promise<T> {
  const stack = await startBenchStack(opts);
  let observer: Observer | undefined;
  try {
    observer = await observe(stack.nats.url);
    return await fn(stack, observer);
  } finally {
    await observer?.close();
    await stack.stop();
  }
}
