import { benchBusHandoff } from "./bus-handoff.js";
import type { Benchmark } from "./types.js";

/** Every benchmark `pnpm bench` knows. Add one here: a name, one line on what it measures, and run(ctx). */
export const BENCHMARKS: readonly Benchmark[] = [
  {
    name: "bus-handoff",
    description: "publish -> consume -> ack -> publish result -> consume: @harness/bus vs raw @nats-io",
    run: (ctx) => benchBusHandoff({ url: ctx.natsUrl, log: ctx.log }),
  },
];
