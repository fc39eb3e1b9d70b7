import { RetryableError, type Bus } from "@harness/bus";
import { SprintState, sprintKey, type RunState } from "@harness/contracts";
import type { Logger } from "@harness/logger";

/**
 * A passed sprint behind the current one (or in a completed run) can no longer change: the
 * reducer only acts on the current sprint, and a replan keeps every sprint before the one that
 * failed. Its record is moved to its own key, so the state every fold rewrites stays the size of
 * the sprint in progress, not of the whole run (a long run's state would otherwise grow by a
 * contract and its verdicts per sprint, be rewritten on every model call's usage event, and in
 * the end pass NATS's payload limit).
 *
 * In two steps, like the outbox: the fold's compare-and-set writes the sprint whole and marked
 * (`archiving`), and only the fold that won it (or any fold after a crash) writes the record
 * from that state and then stubs the sprint. A record is therefore only ever written from a
 * state that is the run's decided truth, never from a stale copy that then loses its write.
 */
function isDone(s: RunState, sp: SprintState): boolean {
  return sp.archived !== true && sp.archiving !== true && sp.status === "passed" && (sp.number < s.currentSprint || s.status === "completed");
}

function stub(sp: SprintState): SprintState {
  return { number: sp.number, status: sp.status, contractRound: sp.contractRound, reviews: [], attempts: [], applied: [], archived: true };
}

/**
 * A passed sprint without attempts cannot have passed: it is a stub whose marks an older
 * supervisor dropped when it rewrote the state. It is stubbed again before anything is decided
 * from the state, so a late event of the sprint is checked against its record (left as it was),
 * and the ids the older supervisor kept with it go to the run's own list.
 */
export function restoreStubs(s: RunState): RunState {
  const stripped = (sp: SprintState) => isDone(s, sp) && sp.attempts.length === 0;
  if (!s.sprints.some(stripped)) return s;
  return {
    ...s,
    applied: [...s.applied, ...s.sprints.filter(stripped).flatMap((sp) => sp.applied)],
    sprints: s.sprints.map((sp) => stripped(sp) ? stub(sp) : sp),
  };
}

/** Marks the sprints the run has finished with (see restoreStubs for the ones without attempts). */
export function markFinished(s: RunState): RunState {
  const done = (sp: SprintState) => isDone(s, sp) && sp.attempts.length > 0;
  if (!s.sprints.some(done)) return s;
  return { ...s, sprints: s.sprints.map((sp) => done(sp) ? { ...sp, archiving: true } : sp) };
}

/** Whether a stored state has work left by the fold that wrote it: an outbox to publish or records to write. */
export function needsFinish(s: RunState): boolean {
  return s.pending.length > 0 || s.sprints.some((sp) => sp.archiving === true);
}

/** The state with its marked sprints stubbed, and their full records to store before it is written. */
export function archiveSprints(s: RunState): { state: RunState; records: SprintState[] } {
  if (!s.sprints.some((sp) => sp.archiving === true)) return { state: s, records: [] };
  const records: SprintState[] = [];
  const sprints = s.sprints.map((sp) => {
    if (sp.archiving !== true) return sp;
    const { archiving: _marked, ...record } = sp;
    records.push(record);
    return stub(sp);
  });
  return { state: { ...s, sprints }, records };
}

/** Stores records before the state that drops them is written: a crash between the two only repeats the (same) writes. */
export async function storeSprintRecords(bus: Bus, runId: string, records: readonly SprintState[]): Promise<void> {
  await Promise.all(records.map((r) => bus.runs.put(sprintKey(runId, r.number), r)));
}

/** An archived sprint's stored record; undefined when there is none or it is not a sprint record (a read that fails throws). */
async function readRecord(bus: Bus, runId: string, sprint: number): Promise<SprintState | undefined> {
  const entry = await bus.runs.get(sprintKey(runId, sprint));
  const parsed = entry ? SprintState.safeParse(entry.value) : undefined;
  return parsed?.success ? parsed.data : undefined;
}

export function isArchived(s: RunState, sprint: number): boolean {
  return s.sprints.some((sp) => sp.number === sprint && sp.archived === true);
}

/**
 * The ids of the events an archived sprint had folded, from its record. Only a late copy of one
 * of its events needs them (a redelivery, or a usage event folded after its sprint passed).
 * Without the record nobody can tell whether the event was applied: the event waits (and, if the
 * record never comes back, ends in the dead-letter stream) rather than risk being counted twice.
 */
export async function archivedAppliedIds(bus: Bus, runId: string, sprint: number): Promise<ReadonlySet<string>> {
  return (await archivedSprint(bus, runId, sprint)).applied;
}

/** What a late event of an archived sprint is checked against: its folded ids, and the work it gave out (see archivedAppliedIds). */
export async function archivedSprint(bus: Bus, runId: string, sprint: number): Promise<{ applied: ReadonlySet<string>; given: Readonly<Record<string, string>> }> {
  const record = await readRecord(bus, runId, sprint);
  if (!record) throw new RetryableError(`run ${runId}: the record of archived sprint ${sprint} is missing or unreadable`, 5_000);
  return { applied: new Set(record.applied), given: record.given ?? {} };
}

/** Every event id the run has folded: its own, its sprints', and its archived sprints' records'. */
export async function appliedIds(bus: Bus, s: RunState): Promise<string[]> {
  const archived = await Promise.all(s.sprints.filter((sp) => sp.archived === true).map((sp) => archivedAppliedIds(bus, s.id, sp.number)));
  return [...s.applied, ...s.sprints.flatMap((sp) => sp.applied), ...archived.flatMap((ids) => [...ids])];
}

/**
 * The run with every archived sprint's full record back in place, as the API shows it. A record
 * that cannot be read leaves its stub, which still says what the sprint did: one bad key does
 * not take the whole run's view down.
 */
export async function withArchivedSprints(bus: Bus, s: RunState, logger?: Logger): Promise<RunState> {
  if (!s.sprints.some((sp) => sp.archived === true)) return s;
  const sprints = await Promise.all(s.sprints.map(async (sp) => {
    if (sp.archived !== true) return sp;
    try {
      const record = await readRecord(bus, s.id, sp.number);
      if (record) return record;
      logger?.warn({ runId: s.id, sprint: sp.number }, "archived sprint record missing or not a sprint record");
    } catch (err) {
      logger?.warn({ runId: s.id, sprint: sp.number, err }, "archived sprint record unreadable");
    }
    return sp;
  }));
  return { ...s, sprints };
}
