import { z } from "zod";

const CheckBase = {
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  description: z.string().min(1).max(1_000),
  /** Which deliverable(s) this check proves. */
  deliverableIds: z.array(z.string()).default([]),
};

export const OutputAssertion = z.object({
  stream: z.enum(["stdout", "stderr", "both"]).default("both"),
  contains: z.string().optional(),
  notContains: z.string().optional(),
  matches: z.string().optional(),
});
export type OutputAssertion = z.infer<typeof OutputAssertion>;

export const CommandCheck = z.object({
  ...CheckBase,
  kind: z.literal("command"),
  command: z.string().min(1).max(4_000),
  expectExitCode: z.number().int().default(0),
  expectOutput: z.array(OutputAssertion).default([]),
  timeoutMs: z.number().int().positive().max(30 * 60_000).default(120_000),
});
export type CommandCheck = z.infer<typeof CommandCheck>;

export const HttpCheck = z.object({
  ...CheckBase,
  kind: z.literal("http"),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
  path: z.string().startsWith("/"),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
  expectStatus: z.number().int().min(100).max(599),
  expectHeaders: z.record(z.string(), z.string()).default({}),
  expectBodyContains: z.array(z.string()).default([]),
  /** JSON path (dot/bracket notation) -> expected value. */
  expectJson: z.record(z.string(), z.unknown()).default({}),
});
export type HttpCheck = z.infer<typeof HttpCheck>;

export const BrowserStep = z.discriminatedUnion("action", [
  z.object({ action: z.literal("goto"), path: z.string().startsWith("/") }),
  z.object({ action: z.literal("click"), selector: z.string().min(1) }),
  z.object({ action: z.literal("fill"), selector: z.string().min(1), value: z.string() }),
  z.object({ action: z.literal("press"), selector: z.string().min(1), key: z.string().min(1) }),
  z.object({ action: z.literal("select"), selector: z.string().min(1), value: z.string() }),
  z.object({ action: z.literal("wait"), ms: z.number().int().nonnegative().max(60_000) }),
  z.object({ action: z.literal("reload") }),
  z.object({ action: z.literal("expectVisible"), selector: z.string().min(1) }),
  z.object({ action: z.literal("expectText"), selector: z.string().min(1), text: z.string() }),
  z.object({ action: z.literal("expectCount"), selector: z.string().min(1), count: z.number().int().nonnegative() }),
  z.object({ action: z.literal("expectUrl"), contains: z.string() }),
  z.object({ action: z.literal("expectNoConsoleErrors") }),
  z.object({ action: z.literal("screenshot"), name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
]);
export type BrowserStep = z.infer<typeof BrowserStep>;

export const BrowserCheck = z.object({
  ...CheckBase,
  kind: z.literal("browser"),
  steps: z.array(BrowserStep).min(1),
});
export type BrowserCheck = z.infer<typeof BrowserCheck>;

/** Graded by a model judge; pass = score >= threshold, computed by code. */
export const RubricCheck = z.object({
  ...CheckBase,
  kind: z.literal("rubric"),
  criterion: z.string().min(1).max(200),
  guidance: z.string().max(4_000).default(""),
  /** Scores run 0..10. */
  threshold: z.number().min(0).max(10),
});
export type RubricCheck = z.infer<typeof RubricCheck>;

export const Check = z.discriminatedUnion("kind", [CommandCheck, HttpCheck, BrowserCheck, RubricCheck]);
export type Check = z.infer<typeof Check>;
