const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Resolves with the first SIGINT, SIGTERM or SIGHUP. Installed before anything starts, so a
 * Ctrl-C while the stack is starting stops what has started instead of killing this process and
 * leaving NATS (in its own process group) behind. Later signals are ignored: pnpm passes a
 * terminal's Ctrl-C on a second time, and the stop in progress must finish.
 */
export function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let first: NodeJS.Signals | undefined;
    for (const signal of STOP_SIGNALS) {
      process.on(signal, () => {
        if (first) return;
        first = signal;
        resolve(signal);
      });
    }
  });
}

/**
 * A closed terminal (SIGHUP) makes writes to it fail with EIO, an error event nobody handles:
 * the process would crash half way through stopping. What cannot be written is dropped.
 */
export function surviveClosedTerminal(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
}
