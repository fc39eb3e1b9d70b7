import type { RunState } from "@harness/contracts";
import { finalRunning } from "./final.js";
import { sprintOf } from "./steps.js";

/** How long a run waits for a verdict no live instance can give before it fails; 0 waits for good. */
export const DEFAULT_EVALUATOR_WAIT_MS = 10 * 60_000;

/**
 * The evaluators whose verdict the run waits for now: those of its options with no verdict yet
 * in the current attempt (a sprint's, or the final acceptance's). None unless it waits for verdicts.
 */
export function awaitedEvaluators(s: RunState): string[] {
  if (s.waitingFor !== "verdicts") return [];
  const attempt = finalRunning(s) ? s.final?.attempts.at(-1) : sprintOf(s)?.attempts.at(-1);
  if (!attempt) return [];
  return s.options.evaluators.filter((e) => attempt.verdicts[e] === undefined);
}

/**
 * Awaited evaluators of which no instance is alive (no heartbeat within the registry's window):
 * their work waits in a queue nobody takes. `live` undefined: not known yet (a supervisor just
 * started has not heard a full round of heartbeats), so nothing is said to be missing.
 */
export function missingEvaluators(s: RunState, live: ReadonlySet<string> | undefined): string[] {
  if (!live || s.status !== "running") return [];
  return awaitedEvaluators(s).filter((e) => !live.has(e));
}

/** What the run, `harness status` and the dashboard say about it. */
export function missingNotice(names: readonly string[]): string {
  return `waiting for evaluator${names.length > 1 ? "s" : ""} ${names.join(", ")}: no live instance`;
}

/** The attempt a wait belongs to, so a later attempt's wait is a new one. */
export function waitKey(s: RunState): string {
  return finalRunning(s) ? `final/${s.final?.attempts.length ?? 0}` : `${s.currentSprint}/${sprintOf(s)?.attempts.length ?? 0}`;
}
