import { sleep } from "./nats-server.js";

/** Polls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (err) { last = err; }
    await sleep(opts.intervalMs ?? 50);
  }
  throw new Error(`timed out after ${opts.timeoutMs ?? 10_000}ms waiting for ${opts.what ?? "condition"}${last ? `: ${String(last)}` : ""}`);
}
