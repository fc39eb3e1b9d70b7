import { z } from "zod";
import { ArtifactRef, TokenUsage } from "./common.js";
import { SprintContract, ContractReview } from "./contract.js";
import { RunOptions, RunStatus } from "./run.js";
import { RegressionSet } from "./regression.js";
import { Retirement } from "./retirement.js";
import { ProductSpec } from "./spec.js";
import { Verdict } from "./verdict.js";

/** A message the supervisor decided to publish: the subject is derived from the message. */
export const OutboxItem = z.object({
  kind: z.enum(["work", "event"]),
  /** For evaluation work: which evaluator's queue. */
  evaluator: z.string().optional(),
  message: z.record(z.string(), z.unknown()),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

export const AttemptState = z.object({
  attempt: z.number().int().min(1),
  status: z.enum(["building", "evaluating", "passed", "failed"]),
  build: z.object({
    artifact: ArtifactRef,
    files: z.array(z.string()),
    commit: z.string().optional(),
    eventId: z.string(),
    /** For the next generator attempt only; the API redacts it from evaluator-facing views. */
    notes: z.string().default(""),
  }).optional(),
  verdicts: z.record(z.string(), Verdict).default({}),
});
export type AttemptState = z.infer<typeof AttemptState>;

export const SprintState = z.object({
  number: z.number().int().min(1),
  status: z.enum(["pending", "contracting", "awaiting_approval", "building", "evaluating", "passed", "failed"]),
  contractRound: z.number().int().nonnegative(),
  contract: SprintContract.optional(),
  /** Reviews of each round: the evaluator's, and a person's change requests at the contract gate (`by: "human"`). */
  reviews: z.array(z.object({ round: z.number().int(), review: ContractReview, by: z.enum(["evaluator", "human"]).default("evaluator") })).default([]),
  attempts: z.array(AttemptState).default([]),
  /**
   * Ids of this sprint's events already folded (the run's `applied` holds the others): they
   * leave the state with the sprint's record when it is archived, so the ids kept in the state
   * do not grow with the run either.
   */
  applied: z.array(z.string()).default([]),
  /**
   * This sprint's work given out, by message id: to whom (see RunState.given). Leaves the state
   * with the sprint's record, like `applied`.
   */
  given: z.record(z.string(), z.string()).optional(),
  /**
   * A passed sprint the run has moved on from: its full record is under sprintKey(runId, number)
   * and this entry keeps only number, status and contractRound (the API's run view restores it).
   */
  archived: z.literal(true).optional(),
  /**
   * A passed sprint the run has just moved on from, still whole: the fold that decided it writes
   * its record, then stubs it (archived). No event is folded while a sprint is marked (the next
   * fold finishes the archiving first), so every writer of its record writes the same content.
   */
  archiving: z.literal(true).optional(),
});
export type SprintState = z.infer<typeof SprintState>;

/**
 * A run's spend. costUsd is what the run is charged: settled calls at their real cost, plus calls
 * never settled (their worker died) at their reserved worst case, shown apart as unsettled*.
 * reserved* are calls in flight: not charged yet, but counted by every budget check (fail-closed).
 */
export const UsageTotals = TokenUsage.extend({
  costUsd: z.number().nonnegative(),
  /** Settled calls (usage.recorded folded). */
  calls: z.number().int().nonnegative(),
  reservedUsd: z.number().nonnegative().default(0),
  reservedTokens: z.number().int().nonnegative().default(0),
  reservedCalls: z.number().int().nonnegative().default(0),
  /** Included in costUsd: calls charged at their reservation because they were never settled. */
  unsettledUsd: z.number().nonnegative().default(0),
  unsettledTokens: z.number().int().nonnegative().default(0),
  unsettledCalls: z.number().int().nonnegative().default(0),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

/**
 * A model call's reservation not settled yet: in flight, or written off (charged at its worst
 * case: its work finished, failed or was delivered again, or the run ended, without it). A
 * written-off one is kept so that a settlement arriving late replaces the charge.
 */
export const Reservation = z.object({
  id: z.string(),
  /** The work message that made it (the event's causationId), and which delivery of it. */
  work: z.string().nullable(),
  delivery: z.number().int().min(1),
  role: z.string(),
  costUsd: z.number().nonnegative(),
  tokens: z.number().int().nonnegative(),
  at: z.iso.datetime(),
  writtenOff: z.literal(true).optional(),
});
export type Reservation = z.infer<typeof Reservation>;

/**
 * What workers may know of a run: status, budget, per-role models and spend. Kept under its own
 * KV key so worker users can be allowed to read it without reading the full state (which holds
 * the generator's notes).
 */
export const RunLedger = z.object({
  id: z.string(),
  status: RunStatus,
  budget: RunOptions.shape.budget,
  models: RunOptions.shape.models,
  usage: UsageTotals,
});
export type RunLedger = z.infer<typeof RunLedger>;

/**
 * The run state's format. A release raises it when an older supervisor rewriting a newer state
 * would damage it (it drops the fields it does not know): a supervisor leaves a state of a newer
 * format to the replicas that know it. 2: finished sprints archived in two steps. 3: accepted
 * checks (regression sets), retirements and the final acceptance. 4: model calls reserved before
 * they are sent (reservations, usage.reserved*, usage.unsettled*). 5: work given out (given), and
 * suspect budget refusals counted (suspectRefusals): an older supervisor would drop both.
 */
export const RUN_STATE_FORMAT = 5 as const;

/** The run's final acceptance of the whole product, after its last sprint passed. */
export const FinalAcceptance = z.object({
  status: z.enum(["evaluating", "building", "passed", "failed"]),
  /** Attempt 1 evaluates the last sprint's build; each later one a rework build (its `build`). */
  attempts: z.array(AttemptState).default([]),
  /** What it cost: the model calls of its evaluations and rework builds (their work carries sprint 0). */
  costUsd: z.number().nonnegative().default(0),
  calls: z.number().int().nonnegative().default(0),
});
export type FinalAcceptance = z.infer<typeof FinalAcceptance>;

/** Only a stored run state's format, read before the rest: a newer format may not parse with this version's schema. */
export const RunStateFormat = z.object({ format: z.number().int().positive().default(1) });
export type RunStateFormat = z.infer<typeof RunStateFormat>;

/** The supervisor's fold of a run's events; stored in KV, written with compare-and-set. */
export const RunState = z.object({
  /** See RUN_STATE_FORMAT; states written before it had none. */
  format: z.number().int().positive().default(1),
  id: z.string(),
  prompt: z.string(),
  options: RunOptions,
  status: RunStatus,
  /** Why the run is paused, failed or cancelled. */
  reason: z.string().default(""),
  /** What the run waits for next: drives dispatch and stall detection. */
  waitingFor: z.enum(["spec", "spec_approval", "contract", "review", "contract_approval", "build", "verdicts", "human", "nothing"]),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  spec: ProductSpec.optional(),
  specVersion: z.number().int().nonnegative().default(0),
  currentSprint: z.number().int().nonnegative().default(0),
  sprints: z.array(SprintState).default([]),
  lastArtifact: ArtifactRef.optional(),
  /**
   * Each accepted sprint's regression set, kept here (not only in the sprint's archived record):
   * every later evaluation re-runs them.
   */
  accepted: z.array(RegressionSet).default([]),
  /** Checks retired by a later accepted sprint's contract (`by`): no longer re-run. */
  retired: z.array(Retirement.extend({ by: z.number().int().min(1) })).default([]),
  /** Set once the last sprint passed: the run completes only when this passes. */
  final: FinalAcceptance.optional(),
  usage: UsageTotals,
  /** Model calls reserved and not settled (see Reservation). */
  reservations: z.array(Reservation).default([]),
  /**
   * Reservations settled before their usage.reserved was folded (replicas fold in parallel, and a
   * redelivery comes late): that reservation, when it comes, is already settled and holds nothing.
   */
  settledEarly: z.array(z.string()).default([]),
  /**
   * Work this run gave out outside its sprints (plans, the final acceptance's), by message id: to
   * whom (`planner`, `generator`, `evaluator.<name>`, see holderKey); each sprint keeps its own. A
   * worker's report about work (usage, failure, refusal, progress) counts only when it is about
   * work given to its sender. Absent in runs begun before it was kept: nothing is checked.
   */
  given: z.record(z.string(), z.string()).optional(),
  /**
   * Budget refusals the ledger did not bear out, of the work the run waits for now (`work` names
   * the wait: a new wait starts again from 0): past a few, the run fails rather than send the
   * work out again and again for a worker that keeps refusing.
   */
  suspectRefusals: z.object({ work: z.string(), count: z.number().int().nonnegative() }).optional(),
  /** Count of events folded into this state. */
  eventCount: z.number().int().nonnegative().default(0),
  /**
   * Ids of the events already folded that belong to no sprint in progress (run-level events, and
   * late ones of an archived sprint); each sprint keeps its own. Makes applying an event twice a no-op.
   */
  applied: z.array(z.string()).default([]),
  /** Messages decided but maybe not yet published (outbox); re-published idempotently by id. */
  pending: z.array(OutboxItem).default([]),
  /** Work decided while paused; released on resume. */
  held: z.array(OutboxItem).default([]),
  /** What the run waited for when it was paused. */
  pausedFrom: z.string().optional(),
  /** Replans used (RunOptions.maxReplans), and the sprint the pending replan starts from. */
  replans: z.number().int().nonnegative().default(0),
  replanFrom: z.number().int().min(1).optional(),
  /** Comments the pending plan work carries (a human's spec revision, a replan's failures), so a re-dispatch sends them again. */
  planComments: z.string().min(1).max(20_000).optional(),
  /**
   * Time spent waiting on a human (paused, or at an approval gate) up to the last such wait, and
   * when the current one began: the wall-clock budget counts the run's working time only.
   */
  waitedMs: z.number().nonnegative().default(0),
  waitingSince: z.iso.datetime().optional(),
  /** Counts resumes, so re-dispatched work gets fresh message ids. */
  resumes: z.number().int().nonnegative().default(0),
  /** When the run last made progress (an event other than usage); drives stall detection. */
  lastProgressAt: z.iso.datetime().optional(),
});
export type RunState = z.infer<typeof RunState>;
