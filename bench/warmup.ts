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
  const ids = await Promise.all(Array.from({ length: runs }, (_, i) => stack.createRun(cheapPrompt(sprints, `warmup ${i}`), { maxSprints: sprints })));
  await observer.waitEnded(ids, 300_000);
  await settle();
}

export const SETTLE_MS = 1_000;

export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, SETTLE_MS));
}
