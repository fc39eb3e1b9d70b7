import type { Check, CriterionResult, RegressionSet, SprintContract, Verdict } from "@harness/contracts";

/** The built-in evaluator: it judges the agreed contract, so every check must come back with a result. */
export const CONTRACT_EVALUATOR = "core";

const MAX_SUMMARY = 10_000;

/**
 * A verdict as the run records it: pass decided again here, by code, from the criteria. An
 * evaluator's own `passed` can fail a sprint but never pass one its criteria do not support: a
 * custom evaluator in any language, or one with a bug, sends whatever JSON validates. A criterion
 * flagged passed below its threshold fails, a verdict without criteria fails, and a contract
 * check the built-in evaluator sent no result for fails as not run; so does an earlier sprint's
 * accepted check it was sent to re-run (`regression`) and reported no regression result for.
 */
export function judged(v: Verdict, contract: SprintContract | undefined, regression: readonly RegressionSet[] = []): Verdict {
  const corrected = v.criteria.map((c) => (c.passed && c.score < c.threshold ? { ...c, passed: false, feedback: cut(`${c.feedback}\n(marked passed with score ${c.score} under its threshold ${c.threshold}: failed by the supervisor)`) } : c));
  const have = new Set(v.criteria.filter((c) => c.kind !== "regression").map((c) => c.checkId));
  const reRun = new Set(v.criteria.filter((c) => c.kind === "regression" && c.origin).map((c) => `${c.origin!.sprint}/${c.origin!.checkId}`));
  const core = v.evaluator === CONTRACT_EVALUATOR;
  const missing = [
    ...(core && contract ? contract.checks.filter((ch) => !have.has(ch.id)).map(notReported) : []),
    ...(core ? regression.flatMap((set) => set.checks.filter((ch) => !reRun.has(`${set.sprint}/${ch.id}`)).map((ch) => regressionNotReported(set.sprint, ch))) : []),
  ];
  const criteria = [...corrected, ...missing];
  const problems = [
    ...(criteria.length === 0 ? ["it has no criteria"] : []),
    ...corrected.filter((c, i) => c !== v.criteria[i]).map((c) => `${c.checkId} is under its threshold`),
    ...(missing.length > 0 ? [`no result for ${missing.map((c) => c.checkId).join(", ")}`] : []),
  ];
  const passed = v.passed && problems.length === 0 && criteria.every((c) => c.passed);
  if (passed === v.passed && problems.length === 0) return v;
  const note = v.passed && !passed ? `failed by the supervisor although the evaluator said passed: ${problems.join("; ")}` : `supervisor: ${problems.join("; ")}`;
  return { ...v, passed, criteria, summary: cut(`${v.summary} [${note}]`) };
}

function notReported(check: Check): CriterionResult {
  const why = "the evaluator sent no result for this agreed check";
  return {
    checkId: check.id, kind: check.kind, description: cut(check.kind === "rubric" ? `${check.criterion}: ${check.description}` : check.description, 1_000),
    score: 0, threshold: check.kind === "rubric" ? check.threshold : 10, passed: false,
    evidence: [{ kind: "note", summary: why }], feedback: `not run: ${why}`,
  };
}

function regressionNotReported(sprint: number, check: Check): CriterionResult {
  return { ...notReported(check), checkId: `s${sprint}:${check.id}`, kind: "regression", origin: { sprint, checkId: check.id }, ...(check.criterionIds ? { criterionIds: check.criterionIds } : {}) };
}

function cut(text: string, max = MAX_SUMMARY): string {
  return text.length <= max ? text : `${text.slice(0, max - 12)} [... cut]`;
}
