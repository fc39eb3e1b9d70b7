import { stopService, type ServiceProc } from "@harness/cli";
import { cheapPrompt, cheapScript, type BuildStep } from "./cheap-script.js";
import { observe, type Observer } from "./observer.js";
import { startBenchStack, type BenchStack } from "./stack.js";
import { round } from "./stats.js";
import type { BenchResult } from "./types.js";

export interface ScaleOutOptions {
  latencyMs?: number;
  replicas?: readonly number[];
  /** Runs kept in flight: enough that the generator queue never runs dry. */
  inFlight?: number;
  sprints?: number;
  /** A build's tool turns: a real build is many model turns; the default is four plus its answer. */
  buildSteps?: readonly BuildStep[];
  /** Before each window: replicas start, pull, and the queue settles. */
  settleMs?: number;
  windowMs?: number;
  log?: (line: string) => void;
}

const GENERATOR_RESULTS: ReadonlySet<string> = new Set(["contract.proposed", "build.produced"]);
/** Every role but the generator gets slots to spare, so the generator is the bottleneck being scaled. */
const SERVICE_ENV = { GENERATOR_CONCURRENCY: "1", PLANNER_CONCURRENCY: "16", EVALUATOR_CONCURRENCY: "16", SUPERVISOR_CONCURRENCY: "64" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a new run whenever one ends, so the same number are always in flight. */
function keepRunsInFlight(stack: BenchStack, observer: Observer, n: number, sprints: number): { stop(): Promise<void> } {
  let created = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      while (!stopped && created - observer.ended.size < n) {
        await stack.createRun(cheapPrompt(sprints, `so-${created}`), { maxSprints: sprints });
        created++;
      }
      await sleep(100);
    }
  })();
  return { stop: async () => { stopped = true; await loop; } };
}

/**
 * Generator throughput with 1, 2 and 4 replicas of one slot each, model latency fixed. Replicas
 * are added to (and removed from) a live stack between measuring windows; the runs never stop, so each window sees
 * a saturated generator queue. Throughput counts generator results (contracts and builds).
 */
export async function benchScaleOut(opts: ScaleOutOptions = {}): Promise<BenchResult> {
  const latencyMs = opts.latencyMs ?? 100;
  const replicas = opts.replicas ?? [1, 2, 4];
  const inFlight = opts.inFlight ?? 24;
  const sprints = opts.sprints ?? 5;
  const buildSteps = opts.buildSteps ?? ["write", "read", "read", "read"];
  const settleMs = opts.settleMs ?? 5_000;
  const windowMs = opts.windowMs ?? 20_000;
  const log = opts.log ?? (() => undefined);

  const stack = await startBenchStack({ script: cheapScript({ latencyMs, buildSteps }), env: SERVICE_ENV });
  const observer = await observe(stack.nats.url);
  const samples = new Map<number, number[]>();
  const runs = keepRunsInFlight(stack, observer, inFlight, sprints);
  // Up and back down (1, 2, 4, 2, 1): drift in the machine's load over the run then weighs on
  // every replica count alike instead of on whichever came last.
  const sequence = [...replicas, ...replicas.slice(0, -1).reverse()];
  try {
    const extra: ServiceProc[] = [];
    for (const [i, target] of sequence.entries()) {
      while (extra.length + 1 < target) extra.push(await stack.start("generator"));
      while (extra.length + 1 > target) await stopService(extra.pop() as ServiceProc);
      // The first window also waits out the start: planning every run, JIT in fresh processes.
      await sleep(i === 0 ? 2 * settleMs : settleMs);
      observer.clear();
      const t0 = performance.now();
      await sleep(windowMs);
      const done = observer.seen.filter((s) => s.kind === "event" && GENERATOR_RESULTS.has(s.type) && s.at >= t0).length;
      const rate = done / ((performance.now() - t0) / 1000);
      samples.set(target, [...(samples.get(target) ?? []), rate]);
      log(`${target} generator replica(s): ${round(rate, 2)} results/s`);
    }
  } finally {
    await runs.stop();
    await observer.close();
    await stack.stop();
  }

  const rates = new Map([...samples].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
  const one = rates.get(1) ?? Number.NaN;
  const most = Math.max(...replicas);
  const figures = Object.fromEntries(replicas.map((r) => [`replicas${r}PerSec`, round(rates.get(r) ?? Number.NaN, 2)]));
  const ratios = Object.fromEntries(replicas.filter((r) => r !== 1).map((r) => [`x${r}`, round((rates.get(r) ?? Number.NaN) / one, 2)]));
  const speedup = ratios[`x${most}`] ?? Number.NaN;
  return {
    figures,
    baseline: { replicas1PerSec: round(one, 2) },
    ratios,
    targets: { scale: { target: `${most} replicas >= ${round(0.9 * most, 1)}x one`, met: speedup >= 0.9 * most } },
    params: { latencyMs, inFlight, sprints, buildTurns: buildSteps.length + 1, settleMs, windowMs, ...SERVICE_ENV },
  };
}
