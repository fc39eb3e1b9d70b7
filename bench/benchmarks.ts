import { benchBusHandoff } from "./bus-handoff.js";
import { benchCalibrate } from "./calibrate.js";
import { benchConcurrentRuns, runsFromEnv } from "./concurrent-runs.js";
import { benchContextGrowth } from "./context-growth.js";
import { benchOrchestrationStep } from "./orchestration-step.js";
import { benchOverheadShare } from "./overhead-share.js";
import { benchScaleOut } from "./scale-out.js";
import type { Benchmark } from "./types.js";

/** Every benchmark `pnpm bench` knows. Add one here: a name, one line on what it measures, and run(ctx). */
export const BENCHMARKS: readonly Benchmark[] = [
  {
    name: "bus-handoff",
    description: "publish -> consume -> ack -> publish result -> consume: @harness/bus vs raw @nats-io",
    run: (ctx) => benchBusHandoff({ url: ctx.natsUrl, log: ctx.log }),
  },
  {
    name: "orchestration-step",
    description: "worker result event -> supervisor fold -> next work item published, zero-latency model, vs raw JetStream round trip",
    run: (ctx) => benchOrchestrationStep({ log: ctx.log }),
    settings: ["BENCH_WARMUP_RUNS"],
  },
  {
    name: "concurrent-runs",
    get description() { return `${runsFromEnv(1_000).toLocaleString("en")} three-sprint runs in flight together (created 16 requests at a time; BENCH_RUNS to change), zero-latency model: completion, handoffs/s, peak RSS per service`; },
    settings: ["BENCH_RUNS"],
    run: (ctx) => benchConcurrentRuns({ log: ctx.log }),
  },
  {
    name: "scale-out",
    description: "generator results/s with 1, 2 and 4 one-slot generator replicas, model latency 100 ms",
    run: (ctx) => benchScaleOut({ log: ctx.log }),
  },
  {
    name: "context-growth",
    description: "prompt tokens per model call at sprint 1 vs sprint 20 of one run; repeated prompt prefix read from cache",
    run: (ctx) => benchContextGrowth({ log: ctx.log }),
  },
  {
    name: "overhead-share",
    description: "three runs with a 2 s model, one at a time, after 24 warm-up runs (BENCH_WARMUP_RUNS; a cold first run is measured too): share of wall time not spent waiting on the model",
    run: (ctx) => benchOverheadShare({ log: ctx.log }),
    settings: ["BENCH_WARMUP_RUNS"],
  },
  {
    name: "calibrate",
    description: "harness calibrate over the shipped corpus (BENCH_CALIBRATE_ONLY to pick variants), supervisor + one core evaluator (BENCH_CALIBRATE_CONCURRENCY, default 2), scripted judge: seconds per variant",
    run: (ctx) => benchCalibrate({ log: ctx.log }),
    settings: ["BENCH_CALIBRATE_ONLY", "BENCH_CALIBRATE_CONCURRENCY"],
  },
];
