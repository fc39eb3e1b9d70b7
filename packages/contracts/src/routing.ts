import type { EventMessage } from "./events.js";
import { eventSubject, evaluateSubject, SUBJECTS } from "./names.js";
import type { WorkMessage } from "./work.js";

/** Where a message goes. Evaluation work carries the evaluator in its subject, set by the sender. */
export function workSubject(msg: WorkMessage, evaluator?: string): string {
  switch (msg.type) {
    case "plan.requested": return SUBJECTS.workPlan;
    case "contract.requested": return SUBJECTS.workContract;
    case "build.requested": return SUBJECTS.workBuild;
    case "review.requested": return SUBJECTS.workReview;
    case "evaluation.requested": return evaluateSubject(evaluator ?? "core");
  }
}

export function eventSubjectOf(msg: EventMessage): string {
  if (msg.type === "verdict.produced") return eventSubject(msg.runId, msg.type, msg.payload.verdict.evaluator);
  return eventSubject(msg.runId, msg.type);
}
