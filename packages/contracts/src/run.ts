import { z } from "zod";
import { EvaluatorName, ModelRole } from "./common.js";
import { strictInput } from "./strict-input.js";

export const ModelChoice = z.object({
  model: z.string().min(1).max(100).optional(),
  maxTokens: z.number().int().positive().max(128_000).optional(),
});
export type ModelChoice = z.infer<typeof ModelChoice>;

export const Budget = z.object({
  maxCostUsd: z.number().positive().max(100_000).default(50),
  maxTokens: z.number().int().positive().default(20_000_000),
  maxWallClockMs: z.number().int().positive().default(6 * 60 * 60_000),
});
export type Budget = z.infer<typeof Budget>;

/** New limits for a paused run, sent with resume: the fields given replace the run's own. */
export const BudgetPatch = z.strictObject({
  maxCostUsd: z.number().positive().max(100_000).optional().describe("spend limit in US dollars"),
  maxTokens: z.number().int().positive().optional().describe("limit on all tokens: input, output, cache reads and writes"),
  maxWallClockMs: z.number().int().positive().optional().describe("limit on the run's working time in milliseconds: from its creation, leaving out time paused or waiting at an approval gate"),
}).refine((b) => Object.values(b).some((v) => v !== undefined), "give at least one of maxCostUsd, maxTokens, maxWallClockMs")
  .meta({ minProperties: 1 });
export type BudgetPatch = z.infer<typeof BudgetPatch>;

/**
 * Exploratory QA after the contract's checks: the evaluator's model drives the running product
 * within this budget per evaluation; a finding counts only when code replays its reproduction.
 */
export const ExploreOptions = z.object({
  enabled: z.boolean().default(true),
  /** Model turns of the explorer (one model call each). */
  maxTurns: z.number().int().min(1).max(200).default(20),
  /** Tokens of all kinds the explorer's calls may use, counted as they are charged. */
  maxTokens: z.number().int().min(1_000).max(20_000_000).default(400_000),
  /** Wall clock of the exploration, app starts included (replays of findings come on top). */
  maxSeconds: z.number().int().min(5).max(3_600).default(300),
  /** Findings replayed; later reports are refused, so replay time stays bounded. */
  maxFindings: z.number().int().min(1).max(20).default(5),
});
export type ExploreOptions = z.infer<typeof ExploreOptions>;

export const RunOptions = z.object({
  maxSprints: z.number().int().min(1).max(50).default(10),
  maxAttemptsPerSprint: z.number().int().min(1).max(20).default(3),
  maxContractRounds: z.number().int().min(1).max(10).default(3),
  /** Which evaluators gate each sprint; all must pass. */
  evaluators: z.array(EvaluatorName).min(1).default(["core"]),
  models: z.partialRecord(ModelRole, ModelChoice).default({}),
  budget: Budget.default(Budget.parse({})),
  /** What happens when a budget is exhausted: wait for a human, or fail the run. */
  onBudgetExceeded: z.enum(["pause", "fail"]).default("fail"),
  gates: z.object({
    approveSpec: z.boolean().default(false),
    approveContracts: z.boolean().default(false),
  }).default({ approveSpec: false, approveContracts: false }),
  /** After a sprint fails all its attempts, ask the planner to re-split the remaining sprints (this many times) instead of failing. */
  maxReplans: z.number().int().min(0).max(5).default(0),
  /** Final acceptance evaluations of the whole product before the run fails: each failed one but the last is followed by a rework build. */
  finalAttempts: z.number().int().min(1).max(10).default(2),
  explore: ExploreOptions.default(ExploreOptions.parse({})),
  /** Constraints passed to the planner ("React + SQLite", "CLI only"). */
  constraints: z.string().max(4_000).optional(),
});
export type RunOptions = z.infer<typeof RunOptions>;

export const RunStatus = z.enum(["queued", "planning", "running", "paused", "completed", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const TERMINAL_STATUSES = ["completed", "failed", "cancelled"] as const;

/** Body of `POST /runs`: an unknown key anywhere in it (a misspelt option) is refused by name. */
export const CreateRunRequest = z.strictObject({
  prompt: z.string().trim().min(1, "prompt must not be empty").max(8_000),
  options: strictInput(RunOptions.partial()).optional(),
});
export type CreateRunRequest = z.infer<typeof CreateRunRequest>;
