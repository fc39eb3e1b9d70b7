import type { Role } from "./common.js";
import type { EventType } from "./events.js";
import type { WorkMessage } from "./work.js";

/**
 * The roles that may send each event type: the one table both the NATS permissions
 * (packages/nats-config) and the supervisor's intake are made from. A role sends on
 * `harness.events.<run>.<type>.<role>[.<evaluator>]` only (see eventSubject).
 */
export const EVENT_PRODUCERS = {
  "run.requested": ["supervisor"],
  "run.control": ["supervisor"],
  "run.transition": ["supervisor"],
  "spec.produced": ["planner"],
  "contract.proposed": ["generator"],
  "build.produced": ["generator"],
  "contract.reviewed": ["evaluator"],
  "verdict.produced": ["evaluator"],
  "usage.reserved": ["planner", "generator", "evaluator"],
  "usage.recorded": ["planner", "generator", "evaluator"],
  "usage.released": ["planner", "generator", "evaluator"],
  "work.failed": ["planner", "generator", "evaluator"],
  "work.progress": ["planner", "generator", "evaluator"],
  "budget.exceeded": ["planner", "generator", "evaluator"],
} as const satisfies Record<EventType, readonly Role[]>;

/** Only the built-in evaluator reviews contracts; custom evaluators evaluate and nothing else. */
export const CORE_ONLY_EVENTS: readonly EventType[] = ["contract.reviewed"];

/** The role each work type is given to: a worker's failure or refusal counts only for its own. */
export const WORK_ROLE = {
  "plan.requested": "planner",
  "contract.requested": "generator",
  "build.requested": "generator",
  "review.requested": "evaluator",
  "evaluation.requested": "evaluator",
} as const satisfies Record<WorkMessage["type"], Role>;

export function mayProduce(role: Role, type: EventType): boolean {
  return (EVENT_PRODUCERS[type] as readonly Role[]).includes(role);
}
