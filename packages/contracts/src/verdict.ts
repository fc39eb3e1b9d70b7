import { z } from "zod";
import { Check } from "./checks.js";
import { ArtifactRef, EvaluatorName } from "./common.js";

export const Evidence = z.object({
  kind: z.enum(["output", "http", "screenshot", "file", "note", "console", "data"]),
  summary: z.string().max(4_000),
  /** Tail of output, response excerpt, file excerpt... capped so messages stay small. */
  detail: z.string().max(20_000).optional(),
  artifact: ArtifactRef.optional(),
  location: z.string().max(1_000).optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const CriterionResult = z.object({
  checkId: z.string(),
  /**
   * What kind of check gave this result. `custom`: a pass/fail check of a custom evaluator's own
   * (score 10 or 0, threshold 10); a custom evaluator's scored judgement is a `rubric`.
   */
  kind: z.enum(["command", "http", "browser", "data", "rubric", "exploratory", "regression", "setup", "custom"]),
  description: z.string().max(1_000),
  /** 0..10; binary checks score 10 or 0. */
  score: z.number().min(0).max(10),
  threshold: z.number().min(0).max(10),
  passed: z.boolean(),
  evidence: z.array(Evidence),
  feedback: z.string().max(10_000),
  /** The acceptance criteria (`F1.2`) this result is evidence for. */
  criterionIds: z.array(z.string()).optional(),
  /** A regression: the earlier sprint and check this result re-ran. */
  origin: z.object({ sprint: z.number().int().min(0), checkId: z.string() }).optional(),
  /** A confirmed exploratory finding: the check that reproduced it, to join the regression set. */
  reproduction: Check.optional(),
});
export type CriterionResult = z.infer<typeof CriterionResult>;

export const Verdict = z.object({
  evaluator: EvaluatorName,
  /** Computed by code: every criterion passed. Never taken from a model. */
  passed: z.boolean(),
  criteria: z.array(CriterionResult),
  summary: z.string().max(10_000),
  /** The judge's own overall opinion, recorded for humans; never used to pass. */
  judgeOpinion: z.string().max(10_000).optional(),
});
export type Verdict = z.infer<typeof Verdict>;
