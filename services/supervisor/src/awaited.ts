import type { EventMessage, OutboxItem, RunState } from "@harness/contracts";
import { finalContract, finalRegression, finalRunning } from "./final.js";
import { regressionFor } from "./regression.js";
import { sprintOf } from "./steps.js";

/** The work type that ends each wait on work. */
const WORK_OF_WAIT: Partial<Record<RunState["waitingFor"], string>> = {
  spec: "plan.requested", contract: "contract.requested", review: "review.requested", build: "build.requested", verdicts: "evaluation.requested",
};

/**
 * A worker's progress covers for it this long at most: a handler that hangs keeps heart-beating
 * (its timer does not know), so past this the stall watchdog takes over again. An evaluation
 * gets its checks' own time limits on top, however many checks the contract has.
 */
export const MAX_PROGRESS_COVER_MS = 2 * 60 * 60_000;

export function progressCover(s: RunState): number {
  const sprint = s.waitingFor === "verdicts" ? sprintOf(s) : undefined;
  const checks = !sprint ? [] : finalRunning(s)
    ? [...finalContract(s)?.checks ?? [], ...finalRegression(s).flatMap((set) => set.checks)]
    : [...sprint.contract?.checks ?? [], ...regressionFor(s, sprint).flatMap((set) => set.checks)];
  return MAX_PROGRESS_COVER_MS + checks.reduce((ms, c) => ms + (c.kind === "command" ? c.timeoutMs : 0), 0);
}

interface WorkKey { type: string; sprint: number; attempt: number; evaluator?: string | undefined; round?: number | undefined }

/**
 * Whether a work item is one the run waits for now: the wait's type, the current sprint, the
 * current attempt (builds, evaluations), the current contract round (proposals, reviews), and an
 * evaluator that has not given its verdict yet. Fields the caller does not know are not checked.
 */
function awaits(s: RunState, w: WorkKey): boolean {
  if (WORK_OF_WAIT[s.waitingFor] !== w.type) return false;
  if (s.waitingFor === "spec") return true;
  if (finalRunning(s)) {
    // The final acceptance's builds and evaluations carry sprint 0.
    const attempt = s.final!.attempts.at(-1);
    if (w.sprint !== 0 || !attempt || w.attempt !== attempt.attempt) return false;
    if (s.waitingFor !== "verdicts" || w.evaluator === undefined) return true;
    return s.options.evaluators.includes(w.evaluator) && attempt.verdicts[w.evaluator] === undefined;
  }
  const sprint = sprintOf(s);
  if (!sprint || w.sprint !== s.currentSprint) return false;
  if (s.waitingFor === "contract" || s.waitingFor === "review") return w.round === undefined || w.round === sprint.contractRound;
  const attempt = sprint.attempts.at(-1);
  if (!attempt || w.attempt !== attempt.attempt) return false;
  if (s.waitingFor !== "verdicts" || w.evaluator === undefined) return true;
  return s.options.evaluators.includes(w.evaluator) && attempt.verdicts[w.evaluator] === undefined;
}

/** Whether a worker's failure or progress is about the work the run waits for now. */
export function awaitedWork(s: RunState, e: Extract<EventMessage, { type: "work.failed" | "work.progress" }>): boolean {
  return awaits(s, { type: e.payload.work, sprint: e.sprint, attempt: e.attempt, evaluator: e.payload.evaluator, round: e.payload.round });
}

/** Whether a budget refusal is of the work the run waits for now (a refusal names no work type: the wait's is assumed). */
export function awaitedRefusal(s: RunState, e: Extract<EventMessage, { type: "budget.exceeded" }>): boolean {
  const type = WORK_OF_WAIT[s.waitingFor];
  return type !== undefined && awaits(s, { type, sprint: e.sprint, attempt: e.attempt, evaluator: e.payload.evaluator, round: e.payload.round });
}

function keyOf(o: OutboxItem): WorkKey {
  const m = o.message;
  const round = (m["payload"] as { round?: unknown } | undefined)?.round;
  return { type: String(m["type"]), sprint: Number(m["sprint"]), attempt: Number(m["attempt"]), evaluator: o.evaluator, round: typeof round === "number" ? round : undefined };
}

/**
 * Held work as a resume releases it: only items the run still waits for (a result that landed
 * while paused makes the work held before it stale), and one per work item (a second hold of the
 * same work, after an escalation and an outage, would pay for it twice); the later one wins.
 */
export function stillHeld(s: RunState, held: readonly OutboxItem[]): OutboxItem[] {
  const byWork = new Map<string, OutboxItem>();
  for (const o of held) {
    if (o.kind !== "work") continue;
    const k = keyOf(o);
    if (awaits(s, k)) byWork.set(JSON.stringify([k.type, k.sprint, k.attempt, k.evaluator ?? ""]), o);
  }
  return [...byWork.values()];
}

