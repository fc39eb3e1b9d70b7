import type { ModelRole, Role } from "./common.js";
import type { EventType } from "./events.js";
import type { EventSender } from "./names.js";
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


/** The model roles each worker role makes calls as: a usage event of another is not its own. */
export const MODEL_ROLES = {
  planner: ["planner"],
  generator: ["generator"],
  evaluator: ["evaluator", "judge"],
} as const satisfies Partial<Record<Role, readonly ModelRole[]>>;

/** Events a worker sends about a work item it was given: their causation is that work's id. */
export const WORK_REPORTS: readonly EventType[] = ["usage.reserved", "usage.recorded", "usage.released", "work.failed", "work.progress", "budget.exceeded"];

/** Who holds work or sent an event, as one key: `planner`, `generator`, `evaluator.<name>`. */
export function holderKey(sender: EventSender): string {
  return sender.role === "evaluator" ? `evaluator.${sender.evaluator ?? "core"}` : sender.role;
}

/** Who a work item of this type is given to; evaluation work names its evaluator, a review is the built-in one's. */
export function workHolder(type: WorkMessage["type"], evaluator?: string): string {
  const role = WORK_ROLE[type];
  return holderKey(role === "evaluator" ? { role, evaluator: type === "review.requested" ? "core" : evaluator ?? "core" } : { role });
}
