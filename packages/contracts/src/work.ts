import { z } from "zod";
import { ArtifactRef, LongText } from "./common.js";
import { SprintContract, ContractReview } from "./contract.js";
import { message } from "./envelope.js";
import { RegressionSet } from "./regression.js";
import { ProductSpec, SprintPlanEntry, Feature } from "./spec.js";
import { ExploreOptions } from "./run.js";
import { Verdict } from "./verdict.js";

/** planner: prompt (and, on revision, the previous spec with comments) -> spec. */
export const PlanRequested = message("plan.requested", z.object({
  prompt: z.string().min(1).max(8_000),
  constraints: z.string().max(4_000).optional(),
  maxSprints: z.number().int().min(1).max(50),
  version: z.number().int().min(1),
  revision: z.object({ previousSpec: ProductSpec, comments: z.string().min(1).max(20_000) }).optional(),
  /** Replanning: sprints before this one are done and stay; re-split what remains from here. */
  replanFrom: z.number().int().min(1).optional(),
}));
export type PlanRequested = z.infer<typeof PlanRequested>;

/** generator: propose (or revise) the sprint's contract. */
export const ContractRequested = message("contract.requested", z.object({
  spec: ProductSpec,
  sprintPlan: SprintPlanEntry,
  round: z.number().int().min(1),
  previous: z.object({ contract: SprintContract, review: ContractReview }).optional(),
}));
export type ContractRequested = z.infer<typeof ContractRequested>;

/** generator: build the sprint against the agreed contract. */
export const BuildRequested = message("build.requested", z.object({
  spec: ProductSpec,
  contract: SprintContract,
  /** Workspace to start from: the previous sprint's artifact, or the failed attempt on rework. */
  base: ArtifactRef.optional(),
  /** Failing verdicts of the previous attempt: what failed, evidence, where. */
  feedback: z.array(Verdict).default([]),
  /** Notes the previous generator attempt left for its successor. */
  previousNotes: LongText.optional(),
}));
export type BuildRequested = z.infer<typeof BuildRequested>;

/** The slice of the spec an evaluator sees: the sprint's features, not the generator's view. */
export const SpecExcerpt = z.object({
  title: z.string(),
  overview: z.string(),
  features: z.array(Feature),
});
export type SpecExcerpt = z.infer<typeof SpecExcerpt>;

/** evaluator: review a proposed contract. */
export const ReviewRequested = message("review.requested", z.object({
  specExcerpt: SpecExcerpt,
  contract: SprintContract,
  round: z.number().int().min(1),
  maxRounds: z.number().int().min(1),
  /** Earlier sprints' accepted checks: what the contract's `retire` entries may name. */
  accepted: z.array(RegressionSet).default([]),
}));
export type ReviewRequested = z.infer<typeof ReviewRequested>;

/**
 * evaluator: check an artifact against its contract. Strict on purpose: there is no field
 * for the generator's notes or self-assessment, and an extra field is a validation error.
 */
export const EvaluationRequested = message("evaluation.requested", z.strictObject({
  specExcerpt: SpecExcerpt,
  contract: SprintContract,
  artifact: ArtifactRef,
  /** Earlier accepted sprints' checks to re-run against this build (less the ones the contract retires). */
  regression: z.array(RegressionSet).default([]),
  /**
   * "final": the run's final acceptance of the whole product (the spec excerpt holds every
   * feature, the contract is the last sprint's, `regression` every other accepted sprint's checks).
   */
  scope: z.enum(["sprint", "final"]).default("sprint"),
  /** The run's exploratory QA options, and the features of earlier sprints to re-try; absent = defaults. */
  explore: ExploreOptions.extend({ earlierFeatures: z.array(Feature).max(200).default([]) }).optional(),
})).strict();
export type EvaluationRequested = z.infer<typeof EvaluationRequested>;

export const WorkMessage = z.discriminatedUnion("type", [
  PlanRequested, ContractRequested, BuildRequested, ReviewRequested, EvaluationRequested,
]);
export type WorkMessage = z.infer<typeof WorkMessage>;
export const GeneratorWork = z.discriminatedUnion("type", [ContractRequested, BuildRequested]);
export type GeneratorWork = z.infer<typeof GeneratorWork>;
export const EvaluatorWork = z.discriminatedUnion("type", [ReviewRequested, EvaluationRequested]);
export type EvaluatorWork = z.infer<typeof EvaluatorWork>;
