import { z } from "zod";

const CRITERION_ID = /^F\d{1,3}\.[A-Za-z0-9_-]{1,32}$/;

/** An acceptance criterion as stored: a stable id checks can name, and its text. */
export const AcceptanceCriterion = z.object({
  id: z.string().regex(CRITERION_ID, "acceptance criterion ids look like F1.1, F1.2, ... (the feature's id, a dot, a token)"),
  text: z.string().min(1).max(1_000),
});
export type AcceptanceCriterion = z.infer<typeof AcceptanceCriterion>;

/**
 * Criteria may arrive as plain strings (specs stored before ids existed, or a model that left
 * them out) or as `{ id?, text }`; a missing id is derived from the feature id and the
 * criterion's position (`F2.3` = third criterion of F2), so stored specs keep the ids they
 * always implicitly had.
 */
const CriterionInput = z.union([
  z.string().min(1).max(1_000),
  z.object({ id: AcceptanceCriterion.shape.id.optional(), text: z.string().min(1).max(1_000) }),
]);

const FeatureFields = {
  id: z.string().regex(/^F\d{1,3}$/, "feature ids look like F1, F2, ..."),
  title: z.string().min(1).max(200),
  userStory: z.string().min(1).max(2_000),
};

/** A feature as stored and sent: every criterion with its id, each id the feature's own and used once. */
const FeatureStored = z.object({
  ...FeatureFields,
  acceptanceCriteria: z.array(AcceptanceCriterion).min(1, "every feature needs at least one acceptance criterion"),
}).superRefine((f, ctx) => {
  const seen = new Set<string>();
  for (const [i, a] of f.acceptanceCriteria.entries()) {
    if (!a.id.startsWith(`${f.id}.`)) ctx.addIssue({ code: "custom", path: ["acceptanceCriteria", i, "id"], message: `criterion ${a.id} belongs to feature ${f.id}: its id starts with "${f.id}."` });
    if (seen.has(a.id)) ctx.addIssue({ code: "custom", path: ["acceptanceCriteria", i, "id"], message: `criterion id ${a.id} is used twice` });
    seen.add(a.id);
  }
});

/**
 * A codec rather than a transform: a parsed feature encodes as itself (it is valid input), so
 * the API's response serializer, which encodes, can send a spec.
 */
export const Feature = z.codec(z.object({
  ...FeatureFields,
  acceptanceCriteria: z.array(CriterionInput).min(1, "every feature needs at least one acceptance criterion"),
}), FeatureStored, {
  decode: (f) => ({
    ...f,
    acceptanceCriteria: f.acceptanceCriteria.map((a, i): AcceptanceCriterion =>
      typeof a === "string" ? { id: `${f.id}.${i + 1}`, text: a } : { id: a.id ?? `${f.id}.${i + 1}`, text: a.text }),
  }),
  encode: (f) => f,
});
export type Feature = z.output<typeof Feature>;

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
