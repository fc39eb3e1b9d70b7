import { z } from "zod";
import { ArtifactRef, EvaluatorName, Id } from "./common.js";
import { SprintContract } from "./contract.js";
import { RegressionSet } from "./regression.js";
import { Budget, ExploreOptions, RunOptions } from "./run.js";
import { strictInput } from "./strict-input.js";
import { Feature } from "./spec.js";
import { UsageTotals } from "./state.js";
import { CriterionResult } from "./verdict.js";
import { SpecExcerpt } from "./work.js";

/**
 * Evaluation jobs that are not runs: a calibration (labelled variants judged to measure an
 * evaluator) and a re-judgement (a finished run's stored builds judged again by the evaluator as
 * it is now). Each has its own id, budget and ledger; its work is evaluation work like a run's,
 * so the evaluator cannot tell them apart, and its events are folded into the job, never a run.
 */
export const JOB_ID_PREFIX = { calibration: "cal-", rejudgement: "rej-" } as const;

export const JobKind = z.enum(["calibration", "rejudgement"]);
export type JobKind = z.infer<typeof JobKind>;

/** Run ids are `r` + hex, so these prefixes never name a run. */
export function isJobId(id: string): boolean {
  return id.startsWith(JOB_ID_PREFIX.calibration) || id.startsWith(JOB_ID_PREFIX.rejudgement);
}

export const JobStatus = z.enum(["running", "completed", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;

/** Variant and corpus names: what the table prints; `/` joins a corpus and its variant. */
const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:/ -]{0,119}$/, "names use letters, digits, '_', '.', ':', '/', '-' or spaces (1-120 chars)");
/** A label: a criterion (check id) that must fail; `<evaluator>:<id>` for one evaluator only. */
const Label = z.string().min(1).max(200);

/** Everything an evaluation request carries but the artifact: shared by the variants judged against it. */
export const JobInput = z.object({
  specExcerpt: SpecExcerpt,
  contract: SprintContract,
  regression: z.array(RegressionSet).default([]),
  scope: z.enum(["sprint", "final"]).default("sprint"),
  explore: ExploreOptions.extend({ earlierFeatures: z.array(Feature).max(200).default([]) }).optional(),
});
export type JobInput = z.infer<typeof JobInput>;

/** A verdict as a job keeps it: per criterion its outcome, feedback cut short. */
export const JobVerdict = z.object({
  evaluator: EvaluatorName,
  passed: z.boolean(),
  summary: z.string().max(1_000),
  criteria: z.array(CriterionResult.pick({ checkId: true, kind: true, passed: true, score: true, threshold: true }).extend({ feedback: z.string().max(600) })),
});
export type JobVerdict = z.infer<typeof JobVerdict>;

/** One build judged by the job: a corpus variant, or a run's sprint attempt. */
export const JobVariant = z.object({
  name: Name,
  /** Index into the job's inputs. */
  input: z.number().int().nonnegative(),
  artifact: ArtifactRef,
  /** Calibration: the label. */
  failing: z.array(Label).default([]),
  /** Re-judgement: the attempt, and the verdicts it got in the run. */
  origin: z.object({ sprint: z.number().int().min(0), attempt: z.number().int().min(1) }).optional(),
  original: z.record(z.string(), JobVerdict).optional(),
});
export type JobVariant = z.infer<typeof JobVariant>;

/** One evaluation: a variant, by one evaluator, one of `repeat` times. */
export const JobItem = z.object({
  variant: z.number().int().nonnegative(),
  evaluator: EvaluatorName,
  repeat: z.number().int().min(1),
  workId: Id,
  status: z.enum(["queued", "dispatched", "judged", "failed", "dropped"]),
  verdict: JobVerdict.optional(),
  failure: z.string().max(2_000).optional(),
  dispatchedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
});
export type JobItem = z.infer<typeof JobItem>;

export const JobOptions = z.object({
  evaluators: z.array(EvaluatorName).min(1).max(10).default(["core"]),
  repeat: z.number().int().min(1).max(10).default(1),
  /** Evaluations in the evaluators' queues at once. */
  concurrency: z.number().int().min(1).max(64).default(4),
  budget: Budget.default(Budget.parse({})),
  models: RunOptions.shape.models,
  /** "not-judged": rubric criteria are graded by a scripted model, so they are counted apart, never as agreed. */
  rubric: z.enum(["judged", "not-judged"]).default("judged"),
});
export type JobOptions = z.infer<typeof JobOptions>;

/** A job's state in KV (jobKey), written with compare-and-set like a run's. */
export const JobState = z.object({
  id: Id,
  kind: JobKind,
  status: JobStatus,
  reason: z.string().default(""),
  /** A re-judgement's run. */
  runId: Id.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  options: JobOptions,
  inputs: z.array(JobInput),
  variants: z.array(JobVariant),
  items: z.array(JobItem),
  /** Builds that could not be judged: their artifact is gone from the store (retention). */
  missing: z.array(z.object({ name: z.string(), artifact: z.string() })).default([]),
  usage: UsageTotals,
  /** Model calls in flight: their worst case, held against the budget until settled. */
  reservations: z.record(z.string(), z.object({ costUsd: z.number().nonnegative(), tokens: z.number().int().nonnegative() })).default({}),
  applied: z.array(z.string()).default([]),
  /** Work ids decided but maybe not yet published (outbox); published again by id. */
  pending: z.array(Id).default([]),
});
export type JobState = z.infer<typeof JobState>;

const CorpusVariant = z.strictObject({
  name: Name,
  artifact: ArtifactRef,
  failing: z.array(Label).max(500).default([]),
  /** This variant's own contract, instead of its corpus's. */
  contract: SprintContract.optional(),
});

/**
 * Body of `POST /calibrations`: corpora whose variants' snapshots are already in the artifact store.
 * Strict at every depth (a misspelt `budget.maxCost` would otherwise become the $50 default).
 */
export const CreateCalibrationRequest = strictInput(z.strictObject({
  corpora: z.array(z.strictObject({
    name: Name,
    specExcerpt: SpecExcerpt,
    contract: SprintContract,
    variants: z.array(CorpusVariant).min(1).max(500),
  })).min(1).max(50),
  evaluators: JobOptions.shape.evaluators,
  repeat: JobOptions.shape.repeat,
  concurrency: JobOptions.shape.concurrency,
  budget: Budget.partial().optional(),
  models: RunOptions.shape.models.optional(),
  rubric: JobOptions.shape.rubric,
  /** Exploratory QA after the checks; off unless asked (its findings are not labelled). */
  explore: ExploreOptions.partial().optional(),
}));
export type CreateCalibrationRequest = z.infer<typeof CreateCalibrationRequest>;

/** Body of `POST /runs/:id/rejudgements`; strict at every depth, like the run API. */
export const CreateRejudgementRequest = strictInput(z.strictObject({
  evaluators: z.array(EvaluatorName).min(1).max(10).optional(),
  /** Only this sprint's attempts (0: the final acceptance); all by default. */
  sprint: z.number().int().min(0).max(1_000).optional(),
  concurrency: JobOptions.shape.concurrency,
  budget: Budget.partial().optional(),
}));
export type CreateRejudgementRequest = z.infer<typeof CreateRejudgementRequest>;
