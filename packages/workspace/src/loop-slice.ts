import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Workspaces are trees of small files, where one synchronous fs call costs a few microseconds
 * and its fs/promises twin a round trip through the thread pool (a 36-file restore took 10 ms
 * that way, 2 ms synchronously). Sync calls hold the event loop, so long walks give it back
 * every `sliceMs`: heartbeats, acks and other work keep running.
 */
export function loopSlicer(sliceMs = 4, now: () => number = () => performance.now()): () => Promise<void> | undefined {
  let since = now();
  return () => {
    if (now() - since < sliceMs) return undefined;
    return nextTurn().then(() => { since = now(); });
  };
}
