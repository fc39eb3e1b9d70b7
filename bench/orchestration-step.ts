import { cheapPrompt, cheapScript } from "./cheap-script.js";
import { roundTrips } from "./handoff-measure.js";
import { rawPipeline } from "./handoff-pipelines.js";
import { stepLatencies, steps as stepsOf, type Step } from "./observer.js";
import { withBenchStack } from "./stack.js";
import { warmUp, warmupRunsFromEnv } from "./warmup.js";
import { percentile, round } from "./stats.js";
import type { BenchResult } from "./types.js";

export interface OrchestrationStepOptions {
  /** Runs measured, one at a time, so every step is the only one in flight. */
  runs?: number;
  sprints?: number;
  /** Raw round trips taken after each run (and as many before the first). */
  rawPerRun?: number;
  /** Zero-latency runs before, all at once. */
  warmupRuns?: number;
  log?: (line: string) => void;
}

const RUN_TIMEOUT_MS = 300_000;

/**
 * The supervisor's step, end to end as seen on the wire: a worker's result event is published,
 * the supervisor consumes it, folds it into the run's state (KV compare-and-set with outbox) and
 * publishes the next work item. Beside it, the raw JetStream round trip on the same server:
 * publish -> consume -> publish -> consume on the bare client, with no state at all.
 */
export async function benchOrchestrationStep(opts: OrchestrationStepOptions = {}): Promise<BenchResult> {
  // About 1,000 samples on each side: a p99 of a few hundred is the 3rd or 4th worst, and one
  // scheduling hiccup on a shared machine moves it.
  const runs = opts.runs ?? 24;
  const sprints = opts.sprints ?? 10;
  const rawPerRun = opts.rawPerRun ?? 42;
  const warmupRuns = opts.warmupRuns ?? warmupRunsFromEnv();
  const log = opts.log ?? (() => undefined);

  const { samples, rawSamples } = await withBenchStack({ script: cheapScript() }, async (stack, observer) => {
    const raw = await rawPipeline(stack.nats.url);
    try {
      // Runs and round trips that are not counted: JIT and connection warm-up on both sides, as in
      // a deployment that has been up a while (see warmUp).
      await roundTrips(raw, rawPerRun);
      await warmUp(stack, observer, warmupRuns);
      observer.clear();
      const rawSamples = await roundTrips(raw, rawPerRun);
      for (let i = 0; i < runs; i++) {
        const id = await stack.createRun(cheapPrompt(sprints, `step-${i}`), { maxSprints: sprints });
        await observer.waitEnded([id], RUN_TIMEOUT_MS);
        if (observer.ended.get(id)?.status !== "completed") throw new Error(`run ${id} ended ${observer.ended.get(id)?.status}`);
        // Alternating with the runs, so background load on the machine hits both sides alike.
        rawSamples.push(...await roundTrips(raw, rawPerRun));
        log(`run ${i + 1}/${runs}: ${stepLatencies(observer.seen).length} steps so far`);
      }
      return { samples: stepsOf(observer.seen), rawSamples };
    } finally {
      await raw.close();
    }
  });

  const steps = samples.map((s) => s.ms);
  const figures = { p50Ms: round(percentile(steps, 50)), p99Ms: round(percentile(steps, 99)), samples: steps.length, ...byKind(samples, percentile(steps, 99)) };
  const baseline = { p50Ms: round(percentile(rawSamples, 50)), p99Ms: round(percentile(rawSamples, 99)), samples: rawSamples.length };
  const ratios = { p50: round(figures.p50Ms / baseline.p50Ms), p99: round(figures.p99Ms / baseline.p99Ms) };
  return {
    figures, baseline, ratios,
    targets: { p99: { target: "step p99 <= 2x raw round trip p99", met: ratios.p99 <= 2 } },
    params: { runs, sprints, rawPerRun, warmupRuns, model: "scripted, zero latency" },
  };
}

/**
 * p50 and p99 of each kind of step, and how many of the steps over the overall p99 it holds: a
 * tail made of one kind has a cause in that step's work; one spread over all kinds is the machine.
 */
function byKind(samples: readonly Step[], p99: number): Record<string, number> {
  const kinds = new Map<string, number[]>();
  for (const s of samples) kinds.set(s.kind, [...(kinds.get(s.kind) ?? []), s.ms]);
  const out: Record<string, number> = {};
  for (const [kind, ms] of [...kinds].sort(([a], [b]) => a.localeCompare(b))) {
    out[`${kind}.p50Ms`] = round(percentile(ms, 50));
    out[`${kind}.p99Ms`] = round(percentile(ms, 99));
    out[`${kind}.overAllP99`] = ms.filter((m) => m > p99).length;
  }
  return out;
}
