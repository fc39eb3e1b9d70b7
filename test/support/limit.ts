/**
 * Runs at most `n` of the given calls at a time: each evaluation starts an app and a Chromium,
 * and failing steps mostly wait out timeouts, so a few at once is what a small machine holds.
 */
export function concurrencyLimit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try { return await fn(); } finally { running--; queue.shift()?.(); }
  };
}
