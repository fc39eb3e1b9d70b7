import type { Bus } from "@harness/bus";
import { SprintState, sprintKey, type RunState } from "@harness/contracts";
import type { Logger } from "@harness/logger";

/**
 * A passed sprint behind the current one (or in a completed run) can no longer change: the
 * reducer only acts on the current sprint, and a replan keeps every sprint before the one that
 * failed. Its record is moved to its own key, so the state every fold rewrites stays the size of
 * the sprint in progress, not of the whole run (a long run's state would otherwise grow by a
 * contract and its verdicts per sprint, be rewritten on every model call's usage event, and in
 * the end pass NATS's payload limit).
 */
function isDone(s: RunState, sp: SprintState): boolean {
  return sp.archived !== true && sp.status === "passed" && (sp.number < s.currentSprint || s.status === "completed");
}

/** The state with finished sprints stubbed, and the full records to store before it is written. */
export function archiveSprints(s: RunState): { state: RunState; records: SprintState[] } {
  if (!s.sprints.some((sp) => isDone(s, sp))) return { state: s, records: [] };
  const records: SprintState[] = [];
  const sprints = s.sprints.map((sp) => {
    if (!isDone(s, sp)) return sp;
    records.push(sp);
    const stub: SprintState = { number: sp.number, status: sp.status, contractRound: sp.contractRound, reviews: [], attempts: [], applied: [], archived: true };
    return stub;
  });
  return { state: { ...s, sprints }, records };
}

/** Stores records before the state that drops them is written: a crash between the two only repeats the (same) writes. */
export async function storeSprintRecords(bus: Bus, runId: string, records: readonly SprintState[]): Promise<void> {
  await Promise.all(records.map((r) => bus.runs.put(sprintKey(runId, r.number), r)));
}

/** An archived sprint's stored record; undefined when it is missing or unreadable. */
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
 */
export async function archivedAppliedIds(bus: Bus, runId: string, sprint: number): Promise<ReadonlySet<string>> {
  const record = await readRecord(bus, runId, sprint);
  if (record) return new Set(record.applied);
  bus.logger.warn({ runId, sprint }, "archived sprint record missing or unreadable: its events are checked against the run's ids only");
  return new Set();
}

/** Every event id the run has folded: its own, its sprints', and its archived sprints' records'. */
export async function appliedIds(bus: Bus, s: RunState): Promise<string[]> {
  const archived = await Promise.all(s.sprints.filter((sp) => sp.archived === true).map((sp) => archivedAppliedIds(bus, s.id, sp.number)));
  return [...s.applied, ...s.sprints.flatMap((sp) => sp.applied), ...archived.flatMap((ids) => [...ids])];
}

/** The run with every archived sprint's full record back in place, as the API shows it. */
export async function withArchivedSprints(bus: Bus, s: RunState, logger?: Logger): Promise<RunState> {
  if (!s.sprints.some((sp) => sp.archived === true)) return s;
  const sprints = await Promise.all(s.sprints.map(async (sp) => {
    if (sp.archived !== true) return sp;
    const record = await readRecord(bus, s.id, sp.number);
    if (record) return record;
    // Not expected (the record is written first); the stub still says what the sprint did.
    logger?.warn({ runId: s.id, sprint: sp.number }, "archived sprint record missing or unreadable");
    return sp;
  }));
  return { ...s, sprints };
}
