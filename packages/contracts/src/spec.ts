import { z } from "zod";

export const Feature = z.object({
  id: z.string().regex(/^F\d{1,3}$/, "feature ids look like F1, F2, ..."),
  title: z.string().min(1).max(200),
  userStory: z.string().min(1).max(2_000),
  acceptanceCriteria: z.array(z.string().min(1).max(1_000)).min(1, "every feature needs at least one acceptance criterion"),
});
export type Feature = z.infer<typeof Feature>;

export const SprintPlanEntry = z.object({
  number: z.number().int().min(1),
  goal: z.string().min(1).max(1_000),
  featureIds: z.array(z.string()).min(1, "a sprint must deliver at least one feature"),
});
export type SprintPlanEntry = z.infer<typeof SprintPlanEntry>;

/** The planner's product-level spec. Implementation detail belongs in sprint contracts. */
export const ProductSpec = z.object({
  title: z.string().min(1).max(200),
  overview: z.string().min(1).max(10_000),
  targetUsers: z.array(z.string().min(1).max(500)).default([]),
  designLanguage: z.string().max(5_000).optional(),
  dataModel: z.string().max(10_000).optional(),
  features: z.array(Feature).min(1),
  sprints: z.array(SprintPlanEntry).min(1),
});
export type ProductSpec = z.infer<typeof ProductSpec>;
