import { z } from "zod";
import { Check } from "./checks.js";
import { Retirement } from "./retirement.js";

export const Deliverable = z.object({
  id: z.string().regex(/^D\d{1,3}$/, "deliverable ids look like D1, D2, ..."),
  description: z.string().min(1).max(2_000),
  featureIds: z.array(z.string()).default([]),
});
export type Deliverable = z.infer<typeof Deliverable>;

/** How the evaluator starts the app for http and browser checks. */
export const AppRuntime = z.object({
  installCommand: z.string().max(4_000).optional(),
  startCommand: z.string().min(1).max(4_000),
  /** Port the app listens on; the evaluator passes it as PORT. */
  port: z.number().int().min(1).max(65_535),
  readinessPath: z.string().startsWith("/").default("/"),
  readinessTimeoutMs: z.number().int().positive().max(300_000).default(30_000),
});
export type AppRuntime = z.infer<typeof AppRuntime>;

export const SprintContract = z.object({
  sprint: z.number().int().min(1),
  summary: z.string().min(1).max(4_000),
  deliverables: z.array(Deliverable).min(1),
  checks: z.array(Check).min(1),
  /** Run before any check, in the evaluator's fresh copy (e.g. `npm ci`). */
  installCommand: z.string().max(4_000).optional(),
  app: AppRuntime.optional(),
  /**
   * Earlier sprints' accepted checks this sprint's changes make wrong, each named with a reason:
   * the review must accept every one, and a retired check is no longer re-run.
   */
  retire: z.array(Retirement).optional(),
});
export type SprintContract = z.infer<typeof SprintContract>;

export const ChangeRequest = z.object({
  target: z.string().max(200).default("contract"),
  request: z.string().min(1).max(4_000),
});
export type ChangeRequest = z.infer<typeof ChangeRequest>;

export const ContractReview = z.object({
  approved: z.boolean(),
  changeRequests: z.array(ChangeRequest).default([]),
  comments: z.string().max(10_000).default(""),
});
export type ContractReview = z.infer<typeof ContractReview>;
