import type { Check, CriterionResult, Evidence, Verdict } from "@harness/contracts";

export function setupFailure(id: string, description: string, feedback: string, evidence: Evidence[]): CriterionResult {
  return { checkId: id, kind: "setup", description, score: 0, threshold: 10, passed: false, evidence, feedback };
}

/** A check that could not run fails: an unrun check proves nothing. */
export function notRun(check: Check, why: string): CriterionResult {
  return {
    checkId: check.id, kind: check.kind, description: check.kind === "rubric" ? `${check.criterion}: ${check.description}` : check.description,
    score: 0, threshold: check.kind === "rubric" ? check.threshold : 10, passed: false,
    evidence: [{ kind: "note", summary: `not run: ${why}` }], feedback: `not run: ${why}`,
  };
}

/** Every agreed check has a result, whatever went wrong on the way: a missing one is a failure. */
export function coverAll(checks: readonly Check[], results: CriterionResult[], why: string): CriterionResult[] {
  const have = new Set(results.map((r) => r.checkId));
  return [...results, ...checks.filter((c) => !have.has(c.id)).map((c) => notRun(c, why))];
}

/** Pass is computed here, by code: at least one criterion, and every one of them passed. */
export function verdictOf(evaluator: string, results: CriterionResult[], judgeOpinion: string | undefined): Verdict {
  // A flag that disagrees with its own score and threshold does not get the benefit of the doubt.
  const criteria = results.map((c) => ({ ...c, passed: c.passed && c.score >= c.threshold }));
  const failed = criteria.filter((c) => !c.passed);
  const passed = criteria.length > 0 && failed.length === 0;
  const summary = criteria.length === 0 ? "no checks ran" : passed ? `all ${criteria.length} criteria passed` : `${failed.length} of ${criteria.length} criteria failed: ${failed.map((c) => c.checkId).join(", ")}`;
  return { evaluator, passed, criteria, summary, ...(judgeOpinion ? { judgeOpinion } : {}) };
}
