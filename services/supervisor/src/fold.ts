import { KvConflictError, RetryableError, type Bus } from "@harness/bus";
import {
  EventMessage, eventSubjectOf, ledgerKey, RUN_STATE_FORMAT, RunLedger, RunState, TERMINAL_STATUSES, WorkMessage, workSubject, type OutboxItem,
} from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { archivedSprint, archiveSprints, isArchived, markFinished, needsFinish, restoreStubs, storeSprintRecords } from "./archive.js";
import { ArchivedSprintEventError, FoldContentionError } from "./errors.js";
import { isApplied, reduce } from "./reducer.js";
import type { RunCache } from "./run-cache.js";
import { refusedSender } from "./sender.js";
import { newerFormat } from "./state-format.js";

const MAX_CAS_ATTEMPTS = 20;

export interface FoldDeps {
  bus: Bus;
  logger: Logger;
  now?: () => string;
  onApplied?: (state: RunState, event: EventMessage) => void;
  /** This replica's run states (see RunCache); without one every fold reads KV. */
  cache?: RunCache;
}

/** One step of a fold: the next state and its outbox, or null when there is nothing to do. */
export type FoldStep = (prev: RunState) => { state: RunState; outbox: OutboxItem[] } | null;

/**
 * Publishes decided messages; ids are stable, so a repeat after a crash is dropped by JetStream.
 * bus.publish validates each message against its schema (once), so no parse here. The publishes
 * go out together: the connection writes them in this order, so one run's events are stored in
 * the order they were decided, and the fold waits for all the acks at once rather than in turn.
 */
export async function publishOutbox(bus: Bus, items: OutboxItem[]): Promise<void> {
  await Promise.all(items.map((item) => item.kind === "work"
    ? bus.publish(WorkMessage, item.message as WorkMessage, { subject: workSubject(item.message as WorkMessage, item.evaluator) })
    : bus.publish(EventMessage, item.message as EventMessage)));
}

/** The worker-readable slice of a run (status, budget, models, spend). */
export function ledgerOf(s: RunState): RunLedger {
  return { id: s.id, status: s.status, budget: s.options.budget, models: s.options.models, usage: s.usage };
}

function ledgerChanged(a: Pick<RunState, "status" | "usage">, b: Pick<RunState, "status" | "usage">): boolean {
  const u = a.usage;
  const v = b.usage;
  // Reservations are what keep concurrent calls from overspending: they reach workers like spend.
  return a.status !== b.status || u.calls !== v.calls || u.costUsd !== v.costUsd
    || u.reservedCalls !== v.reservedCalls || u.reservedUsd !== v.reservedUsd || u.reservedTokens !== v.reservedTokens || u.unsettledTokens !== v.unsettledTokens;
}

/**
 * Single writer per run at a time (the fold that just won the CAS); a racing older write is
 * harmless because the next fold rewrites it, and the worker check it feeds is advisory.
 */
export async function writeLedger(bus: Bus, s: RunState): Promise<void> {
  await bus.runs.put(ledgerKey(s.id), ledgerOf(s));
}

/**
 * A ledger write the fold does not wait for: a fold that only changed spend or status would
 * otherwise hold the run's next event one more round trip (a model call's usage event comes just
 * before the work's result). It is sent at once, on the stream the next fold's compare-and-set
 * goes to, so it is stored before that fold can publish any work, and before any later ledger
 * write of this replica. A failed one is logged; the next change of status or spend rewrites
 * it, and the watchdog checks a finished run's ledger (ensureLedger).
 */
function writeLedgerLater(bus: Bus, s: RunState): void {
  writeLedger(bus, s).catch((err: unknown) => {
    // Closing cuts the wait for the ack, not the write: the connection drains what was sent.
    if (bus.nc.isClosed() || bus.nc.isDraining()) return;
    bus.logger.warn({ err, runId: s.id }, "ledger write failed; the next change of status or spend rewrites it");
  });
}

/** Writes the run's ledger when it does not say what the state says (a write lost to a crash or a failure). */
export async function ensureLedger(bus: Bus, s: RunState): Promise<void> {
  const stored = RunLedger.safeParse((await bus.runs.get(ledgerKey(s.id)))?.value);
  if (stored.success && !ledgerChanged(stored.data, s)) return;
  await writeLedger(bus, s);
}

/** Another try is needed: a compare-and-set lost, or a crashed fold's outbox was just finished. */
const AGAIN = Symbol("again");

/**
 * Applies one step to a run's state in KV with compare-and-set, any number of replicas at
 * once: (1) finish what a crashed fold left (its outbox, its sprint records), (2) let the step
 * decide from the current state (it returns null for an event already applied), (3) write the
 * new state together with its outbox and the sprints it finished marked (see archive.ts),
 * (4) publish the outbox and store the records, (5) clear the outbox and stub the sprints.
 * Returns the state written, if any.
 *
 * With a cache, the first try starts from the state and revision this replica last saw instead
 * of reading KV. The revision guards the write, so a stale entry costs one lost compare-and-set
 * and then the fold reads KV as without a cache. A cached state only ever decides a write: when
 * the step decides nothing from it, KV is read to confirm (it may hold work left by a crashed
 * fold elsewhere, which must be finished), and a cached state with such work is not used.
 */
export async function foldStep(bus: Bus, runId: string, step: FoldStep, cache?: RunCache): Promise<{ prev: RunState; state: RunState } | null> {
  const hit = cache?.get(runId);
  // The cache only holds states this replica wrote or read, so only a KV read can be of a newer format.
  if (hit && !needsFinish(hit.state)) {
    const done = await tryStep(bus, runId, step, hit.state, hit.revision, cache);
    if (done !== null && done !== AGAIN) return done;
    // Decided nothing from the cached state, or it was stale: KV decides, as without a cache.
  }
  for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
    const entry = await bus.runs.get(runId);
    if (!entry) {
      // The API writes the state before publishing run.requested; events of unknown runs wait.
      cache?.delete(runId);
      throw new RetryableError(`run ${runId} has no state yet`, 500);
    }
    const newer = newerFormat(entry.value);
    if (newer !== undefined) {
      // Rewriting it would drop what this version does not know: the newer replicas fold it.
      cache?.delete(runId);
      throw new RetryableError(`run ${runId}: its state has format ${newer}, newer than this supervisor's ${RUN_STATE_FORMAT}; left to newer replicas`, 2_000);
    }
    const prev = RunState.parse(entry.value);
    // A state with work left is finished below and never folded from: not worth room in the cache.
    if (needsFinish(prev)) cache?.delete(runId);
    else cache?.set(runId, prev, entry.revision, entry.size);
    const done = await tryStep(bus, runId, step, prev, entry.revision, cache);
    if (done !== AGAIN) return done;
    if (!needsFinish(prev)) await jitter(i);
  }
  throw new FoldContentionError(runId);
}

/** One compare-and-set try from `prev` at `revision`; the cache remembers each state written that has no work left. */
async function tryStep(
  bus: Bus, runId: string, step: FoldStep, prev: RunState, revision: number, cache: RunCache | undefined,
): Promise<{ prev: RunState; state: RunState } | null | typeof AGAIN> {
  if (needsFinish(prev)) {
    await finish(bus, runId, prev, revision, cache);
    return AGAIN;
  }
  const decided = step(restoreStubs(prev));
  if (!decided) return null;
  const written = { ...markFinished(decided.state), pending: decided.outbox };
  const revisionWritten = await casWrite(bus, runId, written, revision, cache);
  if (revisionWritten === undefined) return AGAIN;
  const final = archiveSprints({ ...written, pending: [] }).state;
  // A new budget reaches the ledger before the work it lets go out: a worker reading the old
  // one would refuse the call again.
  const budgetChanged = prev.options.budget !== final.options.budget;
  if (budgetChanged) await writeLedger(bus, final);
  // Only needed when there is something to finish (otherwise the write above is the final state).
  const finishing = needsFinish(written) ? finish(bus, runId, written, revisionWritten, cache) : undefined;
  // Otherwise the ledger is advisory (spend, status): not waited for (see writeLedgerLater).
  if (!budgetChanged && ledgerChanged(prev, final)) writeLedgerLater(bus, final);
  await finishing;
  return { prev, state: final };
}

/**
 * Publishes a written state's outbox and stores its finished sprints' records, then writes it
 * without either. Repeating it (a crash, two replicas finishing the same state) repeats the same
 * publishes, deduplicated by id, and the same record writes; a lost compare-and-set means
 * another fold finished it first.
 */
async function finish(bus: Bus, runId: string, s: RunState, revision: number, cache: RunCache | undefined): Promise<void> {
  const { state, records } = archiveSprints(s);
  await Promise.all([
    s.pending.length > 0 ? publishOutbox(bus, s.pending) : undefined,
    records.length > 0 ? storeSprintRecords(bus, runId, records) : undefined,
  ]);
  await casWrite(bus, runId, { ...state, pending: [] }, revision, cache);
}

/** Compare-and-set; the new revision, or undefined when another writer came first (the cache forgets the run). */
async function casWrite(bus: Bus, runId: string, written: RunState, revision: number, cache: RunCache | undefined): Promise<number | undefined> {
  // Every write says which format wrote it (an older state is this format once rewritten).
  const state = written.format === RUN_STATE_FORMAT ? written : { ...written, format: RUN_STATE_FORMAT };
  try {
    if (!cache || needsFinish(state)) {
      // A state with work left is never folded from (see foldStep): not worth room in the cache.
      cache?.delete(runId);
      return await bus.runs.update(runId, state, revision);
    }
    // Encoded here rather than in the store, to know the size the cache is bounded by.
    const json = JSON.stringify(state);
    const next = await bus.runs.update(runId, state, revision, { json });
    cache.set(runId, state, next, Buffer.byteLength(json));
    return next;
  } catch (err) {
    // Lost, or unknown (a timeout may have written): either way the cache no longer knows.
    cache?.delete(runId);
    if (err instanceof KvConflictError) return undefined;
    throw err;
  }
}

/**
 * Folds one event; an event whose id is already in the state is skipped, so redelivery and
 * duplicates are harmless. Returns whether this call applied it.
 */
export async function foldEvent(deps: FoldDeps, event: EventMessage): Promise<boolean> {
  // Set once the event turns out to belong to an archived sprint: that sprint's ids and work are in its record.
  let archived: Awaited<ReturnType<typeof archivedSprint>> | undefined;
  const step: FoldStep = (prev) => {
    if (isApplied(prev, event.id) || archived?.applied.has(event.id)) return null;
    if (archived === undefined && isArchived(prev, event.sprint)) throw new ArchivedSprintEventError(event.runId, event.sprint);
    const refused = refusedSender(prev, event, archived?.given);
    if (refused !== undefined) {
      deps.logger.warn({ runId: event.runId, eventId: event.id, type: event.type, subject: eventSubjectOf(event) }, `event ignored: ${refused}`);
      return null;
    }
    return reduce(prev, event, deps.now?.() ?? new Date().toISOString());
  };
  let done: Awaited<ReturnType<typeof foldStep>>;
  try {
    done = await foldStep(deps.bus, event.runId, step, deps.cache);
  } catch (err) {
    if (!(err instanceof ArchivedSprintEventError)) throw err;
    // Nothing was written: read the record's ids and fold again (rare: late copies only).
    archived = await archivedSprint(deps.bus, event.runId, event.sprint);
    done = await foldStep(deps.bus, event.runId, step, deps.cache);
  }
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
