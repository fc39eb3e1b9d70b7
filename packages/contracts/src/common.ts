import { z } from "zod";

/** Roles that produce messages. Custom evaluators publish as "evaluator". */
export const Role = z.enum(["planner", "generator", "evaluator", "supervisor", "api"]);
export type Role = z.infer<typeof Role>;

/** Model roles: which configured model answers a call. */
export const ModelRole = z.enum(["planner", "generator", "evaluator", "judge"]);
export type ModelRole = z.infer<typeof ModelRole>;

/** Ids travel inside NATS subjects and KV keys, so they are restricted to a safe token alphabet. */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "ids use letters, digits, '_' or '-' (1-64 chars)");
export type Id = z.infer<typeof Id>;

/** Names of evaluators; they become a subject token (`harness.work.evaluate.<name>`). */
export const EvaluatorName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "evaluator names are lowercase letters, digits and '-'");
export type EvaluatorName = z.infer<typeof EvaluatorName>;

export const Sha256 = z.string().regex(/^[a-f0-9]{64}$/, "a lowercase hex sha256 digest");
export type Sha256 = z.infer<typeof Sha256>;

/** A claim check: messages carry a reference, never the bytes. */
export const ArtifactRef = z.object({
  /** Object-store name: `sha256-<digest>` (content addressed). */
  name: z.string().regex(/^sha256-[a-f0-9]{64}$/),
  digest: Sha256,
  size: z.number().int().nonnegative(),
});
export type ArtifactRef = z.infer<typeof ArtifactRef>;

/** Token counts of one model call, as reported by the Messages API. */
export const TokenUsage = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheCreationInputTokens: z.number().int().nonnegative(),
  cacheReadInputTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

export const ShortText = z.string().min(1).max(2_000);
export const LongText = z.string().max(200_000);
