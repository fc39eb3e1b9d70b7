import { KvConflictError, RetryableError, type Bus } from "@harness/bus";
import {
  EventMessage, RunState, TERMINAL_STATUSES, WorkMessage, type OutboxItem,
} from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { FoldContentionError } from "./errors.js";
import { reduce } from "./reducer.js";
import { workSubject } from "@harness/contracts";

const MAX_CAS_ATTEMPTS = 20;

export interface FoldDeps { bus: Bus; logger: Logger; now?: () => string; onApplied?: (state: RunState, event: EventMessage) => void }

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
 * Applies one event to its run's state in KV with compare-and-set, any number of replicas at
 * once: (1) finish any outbox a crashed fold left, (2) skip events already applied, (3) write
 * the new state together with its outbox, (4) publish the outbox, (5) clear it.
 */
export async function foldEvent(deps: FoldDeps, event: EventMessage): Promise<void> {
  const { bus } = deps;
  for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
    const entry = await bus.runs.get(event.runId);
    if (!entry) {
      // The API writes the state before publishing run.requested; events of unknown runs wait.
      throw new RetryableError(`run ${event.runId} has no state yet`, 500);
    }
    const prev = RunState.parse(entry.value);
    if (prev.pending.length > 0) {
      await publishOutbox(bus, prev.pending);
      try { await bus.runs.update(event.runId, { ...prev, pending: [] }, entry.revision); } catch (err) { if (!(err instanceof KvConflictError)) throw err; }
      continue;
    }
    if (prev.applied.includes(event.id)) return;
    const { state, outbox } = reduce(prev, event, deps.now?.() ?? new Date().toISOString());
    let revision: number;
    try {
      revision = await bus.runs.update(event.runId, { ...state, pending: outbox }, entry.revision);
    } catch (err) {
      if (err instanceof KvConflictError) { await jitter(i); continue; }
      throw err;
    }
    await publishOutbox(bus, outbox);
    try { await bus.runs.update(event.runId, state, revision); } catch (err) { if (!(err instanceof KvConflictError)) throw err; }
    if (state.status !== prev.status) deps.logger.info({ runId: state.id, from: prev.status, to: state.status, reason: state.reason }, "run transition");
    deps.onApplied?.(state, event);
    return;
  }
  throw new FoldContentionError(event.runId);
}

function jitter(i: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** i)));
}

export function isTerminal(s: RunState): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(s.status);
}
