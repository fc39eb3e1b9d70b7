import type { OutboxItem, RunState } from "@harness/contracts";
import { derivedId } from "@harness/runtime";
import { budgetUse, draft, settle, startPlanning } from "./reducer.js";
import { missingEvaluators, missingNotice, waitKey } from "./missing-evaluators.js";
import { writeOffLost } from "./reservations.js";
import { Decisions, redispatch } from "./steps.js";

/**
 * What the watchdog may do to a run, decided from its state alone so that every replica that
 * looks at the same state revision decides the same thing under the same id. The id goes into
 * the state's applied ids like an event's, so compare-and-set lets exactly one replica apply it.
 */
export type WatchdogAction =
  | { kind: "redispatch"; id: string; idleMs: number }
  | { kind: "escalate"; id: string; idleMs: number }
  | { kind: "wallclock"; id: string }
  | { kind: "evaluator_missing"; id: string; evaluators: string[] }
  | { kind: "evaluator_gone"; id: string; evaluators: string[]; waitedMs: number };

export interface WatchdogPolicy {
  /** A run waiting on work with no event at all for this long is stalled. */
  stallAfterMs: number;
  /**
   * Evaluators with a live instance (the registry's heartbeats), as this replica sees them now;
   * undefined when not known (no registry, or one that has not listened a full heartbeat round).
   */
  live?: ReadonlySet<string> | undefined;
  /** A run waiting this long for a verdict no live instance can give fails; 0 or unset: it waits. */
  evaluatorWaitMs?: number | undefined;
}

/** Waits that work (not a human) must end. */
const WORK_WAITS = new Set(["spec", "contract", "review", "build", "verdicts"]);

export function watchdogAction(s: RunState, nowMs: number, policy: WatchdogPolicy): WatchdogAction | undefined {
  if (s.status === "paused" || s.status === "completed" || s.status === "failed" || s.status === "cancelled") return undefined;
  const wallclockId = derivedId(s.id, "watchdog", "wallclock", s.resumes);
  // Time waiting on a human does not count (budgetUse): a run at an approval gate overnight is not late.
  if (budgetUse(s, new Date(nowMs).toISOString()).elapsedMs > s.options.budget.maxWallClockMs && !s.applied.includes(wallclockId)) {
    return { kind: "wallclock", id: wallclockId };
  }
  // A verdict no instance can give: said once per attempt and set of evaluators, then waited for
  // (a re-dispatch would change nothing: the work is in a queue nobody takes) or, past
  // evaluatorWaitMs without progress, the run fails.
  const missing = missingEvaluators(s, policy.live);
  if (missing.length > 0) {
    const key = [waitKey(s), missing.join(","), s.resumes];
    const noticeId = derivedId(s.id, "watchdog", "evaluator_missing", ...key);
    if (!s.applied.includes(noticeId)) return { kind: "evaluator_missing", id: noticeId, evaluators: missing };
    const waitedMs = nowMs - Date.parse(s.lastProgressAt ?? s.createdAt);
    if (policy.evaluatorWaitMs && waitedMs > policy.evaluatorWaitMs) return { kind: "evaluator_gone", id: derivedId(s.id, "watchdog", "evaluator_gone", ...key), evaluators: missing, waitedMs };
    return undefined;
  }
  // A queued run lost its run.requested (the API died between writing state and publishing).
  const waiting = s.status === "queued" || WORK_WAITS.has(s.waitingFor);
  // Usage events count as life here: a long build makes many model calls between results.
  const idleMs = nowMs - Date.parse(s.updatedAt);
  if (!waiting || idleMs <= policy.stallAfterMs) return undefined;
  // One re-dispatch per wait: the wait is named by what the run waits for and its last progress.
  const wait = [s.waitingFor, s.currentSprint, s.lastProgressAt ?? s.createdAt, s.resumes];
  const redispatchId = derivedId(s.id, "watchdog", "redispatch", ...wait);
  if (!s.applied.includes(redispatchId)) return { kind: "redispatch", id: redispatchId, idleMs };
  return { kind: "escalate", id: derivedId(s.id, "watchdog", "escalate", ...wait), idleMs };
}

/** Applies a watchdog action like a fold step: pure given `now`. */
export function reduceWatchdog(prev: RunState, action: WatchdogAction, now: string): { state: RunState; outbox: OutboxItem[] } {
  const s = draft(prev);
  const d = new Decisions(s, action.id, now);
  s.applied.push(action.id);
  s.updatedAt = now;
  // Said as the time since the run last moved, which is what a human wants to know.
  const stuck = `${Math.round((Date.parse(now) - Date.parse(s.lastProgressAt ?? s.createdAt)) / 1000)}s`;
  switch (action.kind) {
    case "wallclock":
      // settle() checks budgets against `now`: the same rule as on events, run by the clock.
      break;
    case "redispatch":
      if (s.status === "queued") { startPlanning(d); break; }
      d.record("stall_redispatch", `no progress while waiting for ${s.waitingFor} for ${stuck}; work re-dispatched`);
      // No event for the whole stall window, usage included: the calls in flight went with the lost work.
      writeOffLost(s);
      redispatch(d);
      break;
    case "evaluator_missing":
      d.record("evaluator_missing", missingNotice(action.evaluators));
      break;
    case "evaluator_gone":
      s.waitingFor = "nothing";
      d.transition("failed", "evaluator_unavailable", `${missingNotice(action.evaluators)} for ${Math.round(action.waitedMs / 1000)}s (SUPERVISOR_EVALUATOR_WAIT_MS): start it, or name only running evaluators in the run's options`);
      break;
    case "escalate":
      writeOffLost(s);
      s.pausedFrom = s.waitingFor;
      d.transition("paused", "stalled", `stalled: no progress while waiting for ${s.waitingFor} for ${stuck}, even after a re-dispatch; needs a human`);
      // Held, so resume issues the work again.
      redispatch(d);
      break;
  }
  return settle(d);
}
