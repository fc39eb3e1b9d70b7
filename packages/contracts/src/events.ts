import { z } from "zod";
import { ArtifactRef, EvaluatorName, LongText, ModelRole, Role, TokenUsage } from "./common.js";
import { ContractReview, SprintContract } from "./contract.js";
import { message } from "./envelope.js";
import { BudgetPatch, CreateRunRequest, RunOptions, RunStatus } from "./run.js";
import { ProductSpec } from "./spec.js";
import { Verdict } from "./verdict.js";

export const RunRequested = message("run.requested", z.object({
  prompt: CreateRunRequest.shape.prompt,
  options: RunOptions,
}));
export type RunRequested = z.infer<typeof RunRequested>;

export const SpecProduced = message("spec.produced", z.object({
  spec: ProductSpec,
  version: z.number().int().min(1),
}));
export type SpecProduced = z.infer<typeof SpecProduced>;

export const ContractProposed = message("contract.proposed", z.object({
  contract: SprintContract,
  round: z.number().int().min(1),
}));
export type ContractProposed = z.infer<typeof ContractProposed>;

export const ContractReviewed = message("contract.reviewed", z.object({
  review: ContractReview,
  round: z.number().int().min(1),
  evaluator: EvaluatorName,
}));
export type ContractReviewed = z.infer<typeof ContractReviewed>;

export const BuildProduced = message("build.produced", z.object({
  artifact: ArtifactRef,
  files: z.array(z.string()).max(100_000),
  /** git commit of the attempt in the workspace history. */
  commit: z.string().max(64).optional(),
  /** Meant only for the next generator attempt; never forwarded to evaluators. */
  notes: LongText.default(""),
}));
export type BuildProduced = z.infer<typeof BuildProduced>;

export const VerdictProduced = message("verdict.produced", z.object({ verdict: Verdict }));
export type VerdictProduced = z.infer<typeof VerdictProduced>;

/** What a reservation holds against the run's budget: the call's worst case. */
export const WorstCase = z.object({
  costUsd: z.number().nonnegative(),
  tokens: z.number().int().nonnegative(),
});
export type WorstCase = z.infer<typeof WorstCase>;

/**
 * The evaluator whose work made a call (from its work subject), absent for other roles: it names
 * the sender in the event's subject, so a custom evaluator's usage is its own, never the core's.
 */
const UsageOf = { evaluator: EvaluatorName.optional() };

/**
 * A model call about to be sent: its worst case is held against the run's budget, stored before
 * any byte goes to the model. Settled by the usage.recorded or usage.released that names it; a
 * reservation its worker never settles (the worker died) is charged at this amount.
 */
export const UsageReserved = message("usage.reserved", z.object({
  reservationId: z.string().min(1).max(100),
  ...UsageOf,
  role: ModelRole,
  model: z.string().max(200),
  worstCase: WorstCase,
  /** The work delivery that made it: a later delivery of the same work means this one is gone. */
  delivery: z.number().int().min(1).default(1),
}));
export type UsageReserved = z.infer<typeof UsageReserved>;

/** A reserved call that was never answered (every attempt failed, or it was cancelled): nothing to charge. */
export const UsageReleased = message("usage.released", z.object({
  reservationId: z.string().min(1).max(100),
  ...UsageOf,
  reason: z.string().max(2_000).default(""),
}));
export type UsageReleased = z.infer<typeof UsageReleased>;

export const UsageRecorded = message("usage.recorded", z.object({
  /** One id per logical model call, however many HTTP retries it took. */
  callId: z.string().min(1).max(100),
  ...UsageOf,
  role: ModelRole,
  model: z.string(),
  usage: TokenUsage,
  costUsd: z.number().nonnegative(),
  /** The reservation this settles; absent from workers older than reservations. */
  reservationId: z.string().min(1).max(100).optional(),
}));
export type UsageRecorded = z.infer<typeof UsageRecorded>;

/** A worker gave up on a piece of work for a reason retrying will not fix. */
/** Which work item a worker's failure or progress is about, beyond its type, sprint and attempt. */
const WorkRef = {
  /** An evaluation's evaluator (from the work subject). */
  evaluator: EvaluatorName.optional(),
  /** A contract proposal's or review's round. */
  round: z.number().int().min(1).optional(),
};

export const WorkFailed = message("work.failed", z.object({
  role: Role,
  work: z.string(),
  ...WorkRef,
  reason: z.string().min(1).max(10_000),
  code: z.string().max(100).optional(),
}));
export type WorkFailed = z.infer<typeof WorkFailed>;

/**
 * `work.failed` codes the supervisor answers by pausing the run (the work held for a resume)
 * instead of failing it: the failure was outside the run, not the product's or the plan's.
 * `evaluationInterrupted`: the evaluator was cut short (its shutdown, its browser, the machine
 * refusing a descriptor, memory or a process) on every delivery, so no verdict was ever reached.
 */
export const WORK_FAILED_CODES = { modelUnavailable: "MODEL_UNAVAILABLE", evaluationInterrupted: "EVAL_ERR_INTERRUPTED" } as const;

/**
 * A worker still at the work (long checks, a long build): keeps the supervisor's stall watchdog
 * from taking a busy worker for lost work. Sent every few minutes while a handler runs.
 */
export const WorkProgress = message("work.progress", z.object({
  role: Role,
  work: z.string(),
  ...WorkRef,
  /** How long the work has been running. */
  elapsedMs: z.number().int().nonnegative(),
}));
export type WorkProgress = z.infer<typeof WorkProgress>;

export const BudgetExceeded = message("budget.exceeded", z.object({
  kind: z.enum(["cost", "tokens", "wallclock", "attempts", "contract_rounds", "sprints"]),
  limit: z.number(),
  used: z.number(),
  detail: z.string().max(2_000).default(""),
  /** The refused work's evaluator or contract round, as on work.failed. */
  ...WorkRef,
  /**
   * A worker's refusal of a model call, in the kind's unit (dollars or tokens): what the worker
   * saw spent and reserved, and the refused call's worst case. The supervisor accepts it only
   * when its own ledger confirms the call could cross the limit.
   */
  refused: z.object({
    role: ModelRole,
    model: z.string().max(200),
    spent: z.number().nonnegative(),
    reserved: z.number().nonnegative(),
    worstCase: z.number().nonnegative(),
  }).optional(),
}));
export type BudgetExceeded = z.infer<typeof BudgetExceeded>;

/** Human or operator control through the API. */
export const RunControl = message("run.control", z.object({
  /**
   * `revise_spec` sends the comment to the planner for a new spec version (spec gate);
   * `revise_contract` sends it to the generator as a change request for a new contract round (contract gate).
   */
  action: z.enum(["pause", "resume", "cancel", "approve", "revise_spec", "revise_contract"]),
  comment: z.string().max(10_000).optional(),
  /** With resume: the run's new limits (a run paused on its budget needs more to go on). */
  budget: BudgetPatch.optional(),
}));
export type RunControl = z.infer<typeof RunControl>;

/** The supervisor's record of a decision and the status it led to. */
export const RunTransition = message("run.transition", z.object({
  from: RunStatus,
  to: RunStatus,
  decision: z.string().min(1).max(100),
  reason: z.string().max(4_000).default(""),
}));
export type RunTransition = z.infer<typeof RunTransition>;

export const EventMessage = z.discriminatedUnion("type", [
  RunRequested, SpecProduced, ContractProposed, ContractReviewed, BuildProduced, VerdictProduced,
  UsageRecorded, WorkFailed, WorkProgress, BudgetExceeded, RunControl, RunTransition, UsageReserved, UsageReleased,
]);
export type EventMessage = z.infer<typeof EventMessage>;
export type EventType = EventMessage["type"];
