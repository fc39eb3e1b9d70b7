import type { EventMessage } from "./events.js";
import { eventSubject, evaluateSubject, legacyEventSubject, SUBJECTS, type EventSender } from "./names.js";
import { EVENT_PRODUCERS } from "./producers.js";
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

/**
 * Who sends an event, from its fields: the role of its type where one role produces it, else
 * the worker's role as it says it (`role` of a failure or progress, the envelope's producer of a
 * usage or refusal); an evaluator's name from the verdict, the review, or the work it refers to
 * (a usage event's too; `core` when none is named). Permissions make sure the subject's sender is the publisher; the
 * supervisor then checks the sender may send this type, and about this work (fold intake).
 */
export function senderOf(msg: EventMessage): EventSender {
  let role: string;
  switch (msg.type) {
    case "work.failed": case "work.progress": role = msg.payload.role; break;
    case "usage.reserved": case "usage.recorded": case "usage.released": case "budget.exceeded": role = msg.producer.role; break;
    default: role = EVENT_PRODUCERS[msg.type][0];
  }
  return role === "evaluator" ? { role, evaluator: evaluatorOfEvent(msg) } : { role };
}

function evaluatorOfEvent(msg: EventMessage): string {
  switch (msg.type) {
    case "verdict.produced": return msg.payload.verdict.evaluator;
    case "contract.reviewed": return msg.payload.evaluator;
    case "work.failed": case "work.progress": case "budget.exceeded":
    case "usage.reserved": case "usage.recorded": case "usage.released": return msg.payload.evaluator ?? "core";
    default: return "core";
  }
}

export function eventSubjectOf(msg: EventMessage): string {
  return eventSubject(msg.runId, msg.type, senderOf(msg));
}

/** Where the event was published before senders were in subjects. */
export function legacyEventSubjectOf(msg: EventMessage): string {
  return legacyEventSubject(msg.runId, msg.type, msg.type === "verdict.produced" ? msg.payload.verdict.evaluator : undefined);
}
