import { cheapPrompt } from "./cheap-script.js";
import type { Observer } from "./observer.js";
import type { BenchStack } from "./stack.js";

/**
 * Zero-latency runs through a new stack, all at once, then a pause. V8 optimizes code that has
 * run many times: after one run most of the harness is still unoptimized, where a deployment that
 * has been up a while is not. The pause lets the last folds and clean-ups finish before anything
 * is measured. The model must answer at once while this runs.
 */
export async function warmUp(stack: BenchStack, observer: Observer, runs = 24, sprints = 3): Promise<void> {
  if (runs === 0) return settle();
  const ids = await Promise.all(Array.from({ length: runs }, (_, i) => stack.createRun(cheapPrompt(sprints, `warmup ${i}`), { maxSprints: sprints })));
  await observer.waitEnded(ids, 300_000);
  await settle();
}

/** BENCH_WARMUP_RUNS, else `fallback`: to see what warming up changes (0 measures a cold stack). */
export function warmupRunsFromEnv(fallback = 24, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env["BENCH_WARMUP_RUNS"];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`BENCH_WARMUP_RUNS must be a whole number, got '${raw}'`);
  return n;
}

export const SETTLE_MS = 1_000;

export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, SETTLE_MS));
}
