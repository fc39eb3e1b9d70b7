import type { Bus } from "@harness/bus";
import { RunState } from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { needsFinish } from "./archive.js";
import { newerFormat } from "./state-format.js";
import { ensureLedger, foldStep, isTerminal } from "./fold.js";
import type { Metrics } from "./metrics.js";
import type { RunCache } from "./run-cache.js";
import { reduceWatchdog, watchdogAction, type WatchdogPolicy } from "./watchdog-rules.js";

export const DEFAULT_STALL_AFTER_MS = 15 * 60_000;
export const DEFAULT_WATCHDOG_INTERVAL_MS = 10_000;
const OUTBOX_GRACE_MS = 5_000;

export interface WatchdogOptions extends Omit<WatchdogPolicy, "live"> {
  /** The evaluators with a live instance now (ServiceRegistry.liveEvaluators); without it, none is said missing. */
  liveEvaluators?: () => ReadonlySet<string> | undefined;
  bus: Bus;
  logger: Logger;
  metrics?: Metrics;
  intervalMs: number;
  now?: () => number;
  /** The replica's run cache: the watchdog's writes keep it current for the event folds. */
  cache?: RunCache;
}

export interface Watchdog {
  /** One pass over every active run; the timer calls it, tests may too. */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Timer side of orchestration: events drive runs, but a run whose work never answers, or whose
 * wall-clock budget runs out between events, would otherwise wait forever. Every replica runs
 * one; the actions go through the same compare-and-set fold as events, so they apply once.
 */
export function startWatchdog(opts: WatchdogOptions): Watchdog {
  const now = opts.now ?? Date.now;
  // Finished runs never change again: skip reading them on every pass.
  const finished = new Set<string>();
  let running: Promise<void> | undefined;
  let stopped = false;

  const checkRun = async (runId: string, policy: WatchdogPolicy) => {
    const entry = await opts.bus.runs.get(runId);
    // A newer replica watches a state of a newer format (it may not even parse here).
    if (entry && newerFormat(entry.value) !== undefined) return;
    const parsed = entry ? RunState.safeParse(entry.value) : undefined;
    if (!parsed?.success) return;
    const s = parsed.data;
    if (needsFinish(s)) {
      // A fold that died between writing its outbox (or sprints to archive) and finishing them
      // leaves them to the next fold; a run no event will reach again (a finished one) relies on
      // this. Until it is finished, even a finished run is checked again on the next sweep.
      if (now() - Date.parse(s.updatedAt) > OUTBOX_GRACE_MS) await foldStep(opts.bus, runId, () => null, opts.cache);
      return;
    }
    if (isTerminal(s)) {
      // Once per finished run and replica: a ledger still saying "running" would let workers go on calling models.
      await ensureLedger(opts.bus, s);
      finished.add(runId);
      return;
    }
    if (!watchdogAction(s, now(), policy)) return;
    // Decide again inside the fold: the state may have moved since it was read.
    let taken: ReturnType<typeof watchdogAction>;
    const done = await foldStep(opts.bus, runId, (prev) => {
      taken = watchdogAction(prev, now(), policy);
      return taken ? reduceWatchdog(prev, taken, new Date(now()).toISOString()) : null;
    }, opts.cache);
    if (!done || !taken) return;
    opts.metrics?.watchdog.inc({ action: taken.kind });
    opts.logger.warn({ runId, action: taken.kind, status: done.state.status, reason: done.state.reason }, "watchdog acted on a run");
  };

  const sweep = async () => {
    const keys = await opts.bus.runs.keys();
    // One look at the registry per pass: every run of the pass is judged against the same view.
    const policy: WatchdogPolicy = { stallAfterMs: opts.stallAfterMs, evaluatorWaitMs: opts.evaluatorWaitMs, live: opts.liveEvaluators?.() };
    for (const key of keys) {
      if (stopped) return;
      if (finished.has(key)) continue;
      try { await checkRun(key, policy); } catch (err) { opts.logger.warn({ err, runId: key }, "watchdog could not check a run"); }
    }
  };

  const tick = () => {
    if (running || stopped || opts.bus.nc.isClosed()) return;
    running = sweep().catch((err: unknown) => opts.logger.warn({ err }, "watchdog sweep failed")).finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();

  return {
    sweep: async () => { await running; await sweep(); },
    stop: async () => { stopped = true; clearInterval(timer); await running; },
  };
}
