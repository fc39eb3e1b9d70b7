import { workMessage, type Pipeline } from "./handoff-pipelines.js";
import { withWindow } from "./stats.js";

/* The two measurements every raw-vs-harness comparison uses: sequential round trips and a windowed burst. */

const TIMEOUT_MS = 120_000;
let sequence = 0;
const nextId = (tag: string): string => `${tag}-${process.pid.toString(36)}-${(sequence++).toString(36)}`;

export function deadline<T>(p: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms); });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** Milliseconds from publishing a work item to consuming its result, one at a time. */
export async function roundTrips(p: Pipeline, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const msg = workMessage(nextId(`${p.name}-l`));
    const t0 = performance.now();
    const arrived = p.arrival(msg.id);
    await p.send(msg);
    await deadline(arrived, `${p.name} round trip`);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Handoffs per second with `window` publishes in flight, until every result is consumed. */
export async function burst(p: Pipeline, n: number, window: number): Promise<number> {
  const msgs = Array.from({ length: n }, () => workMessage(nextId(`${p.name}-t`)));
  const all = Promise.all(msgs.map((m) => p.arrival(m.id)));
  const t0 = performance.now();
  await withWindow(msgs, window, (m) => p.send(m));
  await deadline(all, `${p.name} burst`);
  return n / ((performance.now() - t0) / 1000);
}
