import { CriterionResult, Verdict, type Evidence } from "@harness/contracts";
import type { CriterionInput, Evaluator, EvaluationOutcome } from "./define.js";
import { ResultError } from "./errors.js";

// The schema's limits: long tool output is cut here rather than failing the publish.
const MAX_SUMMARY = 4_000;
const MAX_DETAIL = 20_000;
const MAX_DESCRIPTION = 1_000;
const MAX_FEEDBACK = 10_000;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)} [... cut ...]`;
}

function evidenceOf(e: string | Evidence): Evidence {
  if (typeof e === "string") return { kind: "note", summary: cut(e, MAX_SUMMARY) };
  return { ...e, summary: cut(e.summary, MAX_SUMMARY), ...(e.detail !== undefined ? { detail: cut(e.detail, MAX_DETAIL) } : {}) };
}

/** Pass/fail of one criterion, by code: a score meets its threshold, or a binary check held. */
function criterionOf(def: Evaluator, input: CriterionInput): CriterionResult {
  const declared = def.criteria.find((c) => c.id === input.id);
  const evidence = (input.evidence ?? []).map(evidenceOf);
  let score: number;
  let threshold: number;
  let passed: boolean;
  if (input.score !== undefined) {
    const t = input.threshold ?? declared?.threshold;
    if (t === undefined) throw new ResultError(`criterion "${input.id}" has a score but no threshold (give one here or in defineEvaluator's criteria)`);
    if (!(input.score >= 0 && input.score <= 10)) throw new ResultError(`criterion "${input.id}" score ${input.score} is outside 0..10`);
    score = input.score;
    threshold = t;
    // A stated `passed: false` is honoured; a stated `true` never lifts a score below threshold.
    passed = score >= threshold && input.passed !== false;
  } else if (input.passed !== undefined) {
    passed = input.passed;
    score = passed ? 10 : 0;
    threshold = 10;
  } else {
    throw new ResultError(`criterion "${input.id}" has neither a score nor passed`);
  }
  // A failure with nothing to show for it gives the generator nothing to fix.
  if (!passed && evidence.length === 0) evidence.push({ kind: "note", summary: input.feedback ? cut(input.feedback, MAX_SUMMARY) : "failed (the evaluator gave no evidence)" });
  const feedback = input.feedback ?? (passed ? "passed" : evidence[0]?.summary ?? "failed");
  return CriterionResult.parse({
    checkId: input.id, kind: input.kind ?? (input.score !== undefined ? "rubric" : "custom"),
    description: cut(input.description ?? declared?.description ?? input.id, MAX_DESCRIPTION),
    score, threshold, passed, evidence, feedback: cut(feedback, MAX_FEEDBACK),
  });
}

/**
 * Turns what evaluate() returned into the Verdict the supervisor reads. `passed` is computed
 * here: at least one criterion, every one passed, and every declared criterion reported.
 */
export function toVerdict(def: Evaluator, outcome: EvaluationOutcome): Verdict {
  const inputs = Array.isArray(outcome) ? outcome : outcome?.criteria;
  if (!Array.isArray(inputs)) throw new ResultError("evaluate() must return an array of criteria or { criteria: [...] }");
  const ids = new Set<string>();
  for (const c of inputs) {
    if (typeof c?.id !== "string" || c.id === "") throw new ResultError("every criterion needs an id");
    if (ids.has(c.id)) throw new ResultError(`criterion "${c.id}" is reported twice`);
    ids.add(c.id);
  }
  const criteria = inputs.map((c) => criterionOf(def, c));
  for (const spec of def.criteria) {
    if (!ids.has(spec.id)) {
      criteria.push({
        checkId: spec.id, kind: "rubric", description: cut(spec.description, MAX_DESCRIPTION), score: 0, threshold: spec.threshold ?? 10, passed: false,
        evidence: [{ kind: "note", summary: "not reported by the evaluator" }], feedback: "not evaluated: the evaluator reported no result for this criterion",
      });
    }
  }
  const failed = criteria.filter((c) => !c.passed);
  const passed = criteria.length > 0 && failed.length === 0;
  const extra: { summary?: string; opinion?: string } = Array.isArray(outcome) ? {} : outcome;
  const computed = criteria.length === 0 ? "no criteria were evaluated" : passed ? `all ${criteria.length} criteria passed` : `${failed.length} of ${criteria.length} criteria failed: ${failed.map((c) => c.checkId).join(", ")}`;
  // The evaluator's own words follow the computed outcome; they can never replace it.
  const summary = extra.summary ? `${computed}. ${extra.summary}` : computed;
  return Verdict.parse({ evaluator: def.name, passed, criteria, summary: cut(summary, MAX_FEEDBACK), ...(extra.opinion ? { judgeOpinion: cut(extra.opinion, MAX_FEEDBACK) } : {}) });
}
