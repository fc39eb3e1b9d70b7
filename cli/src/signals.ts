import { launcherChain, orphaned } from "./orphan-watch.js";

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

export interface StopWatch {
  /** Aborted once a stop is asked for: passed to what starts the stack. */
  signal: AbortSignal;
  /** Resolves with what asked for the stop: a signal's name, or "launcher gone". */
  requested: Promise<string>;
  /** Stops watching the launcher (the process then may end). */
  done(): void;
}

/**
 * Everything a command that runs a local stack stops on, from its first line: SIGINT, SIGTERM,
 * SIGHUP, and pnpm killed outright (which passes no signal on, and leaves the terminal no longer
 * reaching this process). A closed terminal's write errors are dropped.
 */
export function watchForStop(): StopWatch {
  surviveClosedTerminal();
  const launcher = orphaned(launcherChain());
  const controller = new AbortController();
  const requested = Promise.race([stopRequested(), launcher.done.then(() => "launcher gone")]).then((why) => { controller.abort(); return why; });
  return { signal: controller.signal, requested, done: () => launcher.stop() };
}
