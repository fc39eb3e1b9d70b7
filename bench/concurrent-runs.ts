import { cheapPrompt, cheapScript } from "./cheap-script.js";
import { burst } from "./handoff-measure.js";
import { rawPipeline } from "./handoff-pipelines.js";
import { RESULT_TYPES } from "./observer.js";
import { withBenchStack } from "./stack.js";
import { median, round, withWindow } from "./stats.js";
import type { BenchResult } from "./types.js";

export interface ConcurrentRunsOptions {
  /** Runs started at once; BENCH_RUNS overrides the default of 1,000. */
  runs?: number;
  sprints?: number;
  /** POST /runs requests in flight while starting them. */
  createWindow?: number;
  log?: (line: string) => void;
}

const RSS_LIMIT_MB = 200;
/** Worker slots per process: zero-latency calls leave git, tar and checks as the work, which waits on child processes. */
const SERVICE_ENV = { PLANNER_CONCURRENCY: "8", GENERATOR_CONCURRENCY: "8", EVALUATOR_CONCURRENCY: "8", SUPERVISOR_CONCURRENCY: "64" };

export function runsFromEnv(fallback: number): number {
  const n = Number(process.env["BENCH_RUNS"]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

async function rawHandoffRate(url: string): Promise<number> {
  const raw = await rawPipeline(url);
  try {
    await burst(raw, 1_000, 256);
    const rates: number[] = [];
    for (let i = 0; i < 3; i++) rates.push(await burst(raw, 2_000, 256));
    return median(rates);
  } finally {
    await raw.close();
  }
}

/**
 * Many runs at once, one process per role, zero-latency model: everything left is the harness
 * (and the real workspaces and checks it drives). A handoff is one work item consumed and its
 * result event folded, the unit the raw burst (publish -> consume -> publish -> consume) counts.
 */
export async function benchConcurrentRuns(opts: ConcurrentRunsOptions = {}): Promise<BenchResult> {
  const runs = opts.runs ?? runsFromEnv(1_000);
  const sprints = opts.sprints ?? 3;
  const createWindow = opts.createWindow ?? 16;
  const log = opts.log ?? (() => undefined);

  const m = await withBenchStack({ script: cheapScript(), env: SERVICE_ENV }, async (stack, observer) => {
    // Raw on the idle stack and the same server, before and after the runs: one burst series
    // moves with the machine's load (2,000 to 3,000/s here), two bracket the measurement.
    const rawBefore = await rawHandoffRate(stack.nats.url);
    log(`raw JetStream handoffs: ${Math.round(rawBefore)}/s`);
    const cpuBefore = stack.cpuSeconds();
    const benchCpuBefore = process.cpuUsage();
    const t0 = performance.now();
    const ids: string[] = [];
    const progress = setInterval(() => log(`${Math.round((performance.now() - t0) / 1000)}s: ${ids.length} created, ${observer.ended.size} ended`), 15_000);
    try {
      await withWindow(Array.from({ length: runs }, (_, i) => i), createWindow, async (i) => {
        ids.push(await stack.createRun(cheapPrompt(sprints, `cr-${i}`), { maxSprints: sprints }));
      });
      await observer.waitEnded(ids, Math.max(600_000, runs * 3_000));
    } finally {
      clearInterval(progress);
    }
    const elapsedMs = Math.max(...ids.map((id) => observer.ended.get(id)?.at ?? t0)) - t0;
    const rawAfter = await rawHandoffRate(stack.nats.url);
    log(`raw JetStream handoffs after the runs: ${Math.round(rawAfter)}/s`);
    // Where the machine's cores went: each service (with the git and check processes it ran),
    // nats-server, and this process (the scripted model and the observer).
    const cpu: Record<string, number> = {};
    for (const [k, v] of Object.entries(stack.cpuSeconds())) cpu[k] = round(v - (cpuBefore[k] ?? 0), 1);
    const b = process.cpuUsage(benchCpuBefore);
    cpu["bench+model"] = round((b.user + b.system) / 1e6, 1);
    return {
      rawBefore, rawAfter, elapsedMs, cpu, rss: stack.peakRssMb(),
      completed: ids.filter((id) => observer.ended.get(id)?.status === "completed").length,
      results: observer.seen.filter((s) => s.kind === "event" && RESULT_TYPES.has(s.type)).length,
      events: observer.seen.filter((s) => s.kind === "event").length,
    };
  });
  const { rawBefore, rawAfter, elapsedMs, cpu, rss, completed, results, events } = m;
  const rawRate = (rawBefore + rawAfter) / 2;

  const seconds = elapsedMs / 1000;
  const handoffsPerSec = round(results / seconds, 1);
  const maxRss = Math.max(...Object.values(rss));
  const figures: Record<string, number> = {
    runs, completed, completionSec: round(seconds, 1), runsPerSec: round(runs / seconds, 2), handoffs: results,
    handoffsPerSec, eventsPerSec: round(events / seconds, 1),
    ...Object.fromEntries(Object.entries(rss).map(([k, v]) => [`peakRssMb.${k}`, v])),
    ...Object.fromEntries(Object.entries(cpu).map(([k, v]) => [`cpuSec.${k}`, v])),
  };
  return {
    figures,
    // The baseline is the mean of the two raw series; both are kept.
    baseline: { handoffsPerSec: Math.round(rawRate), rawBeforePerSec: Math.round(rawBefore), rawAfterPerSec: Math.round(rawAfter) },
    ratios: { handoffsPerSec: round(handoffsPerSec / rawRate) },
    targets: {
      completed: { target: "every run completes", met: completed === runs },
      handoffsPerSec: { target: "handoffs/s >= 0.5x raw JetStream", met: handoffsPerSec >= 0.5 * rawRate },
      peakRss: { target: `peak RSS < ${RSS_LIMIT_MB} MB per service`, met: maxRss < RSS_LIMIT_MB },
    },
    params: { runs, sprints, createWindow, ...SERVICE_ENV, model: "scripted, zero latency" },
  };
}
