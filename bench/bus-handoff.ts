import { burst, roundTrips } from "./handoff-measure.js";
import { busPipeline, rawPipeline, type Pipeline } from "./handoff-pipelines.js";
import { median, percentile, round } from "./stats.js";
import type { BenchResult } from "./types.js";

export interface BusHandoffOptions {
  url: string;
  /** Sequential round trips per pipeline per round (latency). */
  latencySamples?: number;
  /** Messages per burst per pipeline per round (throughput). */
  burstMessages?: number;
  /** Publishes in flight during a burst. */
  window?: number;
  rounds?: number;
  warmup?: number;
  log?: (line: string) => void;
}

/**
 * Handoff through the bus (validate, headers, pull consumer with progress acks) against the same
 * handoff on the bare @nats-io client, same run, same server. Rounds alternate which side goes first.
 */
export async function benchBusHandoff(opts: BusHandoffOptions): Promise<BenchResult> {
  // Many short alternating rounds: the machine's background load then hits both sides alike.
  const latencySamples = opts.latencySamples ?? 300;
  const burstMessages = opts.burstMessages ?? 2_000;
  const window = opts.window ?? 256;
  const rounds = opts.rounds ?? 10;
  const warmup = opts.warmup ?? 300;
  const log = opts.log ?? (() => undefined);

  const bus = await busPipeline(opts.url);
  const raw = await rawPipeline(opts.url);
  const latency = new Map<Pipeline, number[]>([[bus, []], [raw, []]]);
  const rates = new Map<Pipeline, number[]>([[bus, []], [raw, []]]);
  try {
    for (const p of [raw, bus]) {
      await roundTrips(p, warmup);
      await burst(p, Math.min(1_000, burstMessages), window);
    }
    for (let r = 0; r < rounds; r++) {
      for (const p of r % 2 === 0 ? [raw, bus] : [bus, raw]) {
        latency.get(p)?.push(...await roundTrips(p, latencySamples));
        rates.get(p)?.push(await burst(p, burstMessages, window));
      }
      if ((r + 1) % 5 === 0 || r + 1 === rounds) {
        log(`round ${r + 1}/${rounds}: throughput raw ${Math.round(median(rates.get(raw) ?? []))}/s, bus ${Math.round(median(rates.get(bus) ?? []))}/s so far`);
      }
    }
  } finally {
    await Promise.allSettled([bus.close(), raw.close()]);
  }

  const figuresOf = (p: Pipeline): Record<string, number> => ({
    p50Ms: round(percentile(latency.get(p) ?? [], 50)),
    p99Ms: round(percentile(latency.get(p) ?? [], 99)),
    throughputPerSec: Math.round(median(rates.get(p) ?? [])),
  });
  const figures = figuresOf(bus);
  const baseline = figuresOf(raw);
  const ratios = {
    p50: round((figures["p50Ms"] ?? 0) / (baseline["p50Ms"] ?? 1)),
    p99: round((figures["p99Ms"] ?? 0) / (baseline["p99Ms"] ?? 1)),
    throughput: round((figures["throughputPerSec"] ?? 0) / (baseline["throughputPerSec"] ?? 1)),
  };
  return {
    figures,
    baseline,
    ratios,
    targets: {
      p50: { target: "bus p50 <= 1.3x raw", met: ratios.p50 <= 1.3 },
      throughput: { target: "bus throughput >= 0.8x raw", met: ratios.throughput >= 0.8 },
    },
    params: { latencySamples, burstMessages, window, rounds, warmup, workerConcurrency: 1 },
  };
}
