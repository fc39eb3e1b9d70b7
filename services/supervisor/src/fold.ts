import { KvConflictError, RetryableError, type Bus } from "@harness/bus";
import {
  EventMessage, ledgerKey, RunState, TERMINAL_STATUSES, WorkMessage, workSubject, type OutboxItem, type RunLedger,
} from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { FoldContentionError } from "./errors.js";
import { reduce } from "./reducer.js";

const MAX_CAS_ATTEMPTS = 20;

export interface FoldDeps { bus: Bus; logger: Logger; now?: () => string; onApplied?: (state: RunState, event: EventMessage) => void }

/** One step of a fold: the next state and its outbox, or null when there is nothing to do. */
export type FoldStep = (prev: RunState) => { state: RunState; outbox: OutboxItem[] } | null;

/** Publishes decided messages; ids are stable, so a repeat after a crash is dropped by JetStream. */
export async function publishOutbox(bus: Bus, items: OutboxItem[]): Promise<void> {
  for (const item of items) {
    if (item.kind === "work") {
      const msg = WorkMessage.parse(item.message);
      await bus.publish(WorkMessage, msg, { subject: workSubject(msg, item.evaluator) });
    } else {
      await bus.publish(EventMessage, EventMessage.parse(item.message));
    }
  }
}

/**
 * Applies one step to a run's state in KV with compare-and-set, any number of replicas at
 * once: (1) finish any outbox a crashed fold left, (2) let the step decide from the current
 * state (it returns null for an event already applied), (3) write the new state together with
 * its outbox, (4) publish the outbox, (5) clear it. Returns the state written, if any.
 */
/** The worker-readable slice of a run (status, budget, models, spend). */
export function ledgerOf(s: RunState): RunLedger {
  return { id: s.id, status: s.status, budget: s.options.budget, models: s.options.models, usage: s.usage };
}

function ledgerChanged(a: RunState, b: RunState): boolean {
  return a.status !== b.status || a.usage.calls !== b.usage.calls || a.usage.costUsd !== b.usage.costUsd;
}

/**
 * Single writer per run at a time (the fold that just won the CAS); a racing older write is
 * harmless because the next fold rewrites it, and the worker check it feeds is advisory.
 */
export async function writeLedger(bus: Bus, s: RunState): Promise<void> {
  await bus.runs.put(ledgerKey(s.id), ledgerOf(s));
}

export async function foldStep(bus: Bus, runId: string, step: FoldStep): Promise<{ prev: RunState; state: RunState } | null> {
  for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
    const entry = await bus.runs.get(runId);
    if (!entry) {
      // The API writes the state before publishing run.requested; events of unknown runs wait.
      throw new RetryableError(`run ${runId} has no state yet`, 500);
    }
    const prev = RunState.parse(entry.value);
    if (prev.pending.length > 0) {
      await publishOutbox(bus, prev.pending);
      try { await bus.runs.update(runId, { ...prev, pending: [] }, entry.revision); } catch (err) { if (!(err instanceof KvConflictError)) throw err; }
      continue;
    }
    const next = step(prev);
    if (!next) return null;
    let revision: number;
    try {
      revision = await bus.runs.update(runId, { ...next.state, pending: next.outbox }, entry.revision);
    } catch (err) {
      if (err instanceof KvConflictError) { await jitter(i); continue; }
      throw err;
    }
    if (next.outbox.length > 0) {
      await publishOutbox(bus, next.outbox);
      // Clearing the outbox is only needed when there was one (the write above holds `pending: []`).
      try { await bus.runs.update(runId, next.state, revision); } catch (err) { if (!(err instanceof KvConflictError)) throw err; }
    }
    if (ledgerChanged(prev, next.state)) await writeLedger(bus, next.state);
    return { prev, state: next.state };
  }
  throw new FoldContentionError(runId);
}

/**
 * Folds one event; an event whose id is already in the state is skipped, so redelivery and
 * duplicates are harmless. Returns whether this call applied it.
 */
export async function foldEvent(deps: FoldDeps, event: EventMessage): Promise<boolean> {
  const done = await foldStep(deps.bus, event.runId, (prev) =>
    prev.applied.includes(event.id) ? null : reduce(prev, event, deps.now?.() ?? new Date().toISOString()));
  if (!done) return false;
  const { prev, state } = done;
  if (state.status !== prev.status) deps.logger.info({ runId: state.id, from: prev.status, to: state.status, reason: state.reason }, "run transition");
  deps.onApplied?.(state, event);
  return true;
}

function jitter(i: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** i)));
}

export function isTerminal(s: RunState): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(s.status);
}
