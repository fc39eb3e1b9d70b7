/**
 * What `run --follow` and `follow` print about verdicts and sprint progress, from the run's
 * events alone. An evaluator's own `passed` flags are not the truth: the supervisor decides a
 * verdict again (services/supervisor/src/verdicts.ts), so a criterion flagged passed under its
 * threshold, an agreed check `core` sent no result for, or a verdict without criteria count as
 * failed here too; and a sprint counts as passed only once every gating evaluator passed the
 * same attempt (a PASS of `core` while another evaluator fails it is not a passed sprint).
 */

interface Criterion { checkId: string; passed: boolean; score: number; threshold: number; kind?: string; feedback: string }
export interface VerdictLike { evaluator: string; passed: boolean; criteria: Criterion[] }

export interface Judged {
  passed: boolean;
  /** Results that pass by the supervisor's rule, of all results (agreed checks with none included). */
  passedCount: number;
  total: number;
  /** The failing results' ids and first feedback lines, in order. */
  failed: Array<{ checkId: string; feedback: string }>;
}

/** A criterion as the supervisor counts it: flagged passed and at or above its threshold. */
const passes = (c: Criterion): boolean => c.passed && c.score >= c.threshold;

/**
 * `agreedChecks`: the ids of the contract's checks, for the built-in `core` evaluator, which must
 * return a result for each (other evaluators judge what they like).
 */
export function judgeVerdict(v: VerdictLike, agreedChecks: readonly string[] = []): Judged {
  const criteria = v.criteria ?? [];
  const reported = new Set(criteria.filter((c) => c.kind !== "regression").map((c) => c.checkId));
  const missing = v.evaluator === "core" ? agreedChecks.filter((id) => !reported.has(id)) : [];
  const failed = [
    ...criteria.filter((c) => !passes(c)).map((c) => ({ checkId: c.checkId, feedback: c.passed ? `marked passed with score ${c.score} under its threshold ${c.threshold}` : c.feedback })),
    ...missing.map((checkId) => ({ checkId, feedback: "not run: the evaluator sent no result for this agreed check" })),
  ];
  const total = criteria.length + missing.length;
  return { passed: v.passed && total > 0 && failed.length === 0, passedCount: total - failed.length, total, failed };
}

/** "PASS 3/3 passed" or "FAIL 0/2 passed, 2 failed": counts that cannot read as a pass when nothing passed. */
export function verdictCounts(j: Judged): string {
  return `${j.passed ? "PASS" : "FAIL"} ${j.passedCount}/${j.total} passed${j.failed.length > 0 ? `, ${j.failed.length} failed` : ""}`;
}

export function progressBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} sprints passed`;
}

/** Sprints passed so far: a sprint passes when every gating evaluator passed one attempt of it. */
export class SprintProgress {
  private readonly passedSprints = new Set<number>();
  private readonly verdicts = new Map<string, Set<string>>();

  constructor(private readonly evaluators: readonly string[]) {}

  /** Records a judged verdict; true when it completes a sprint's pass (said once per sprint). */
  record(sprint: number, attempt: number, evaluator: string, passed: boolean): boolean {
    if (sprint <= 0 || !passed || this.passedSprints.has(sprint)) return false;
    const key = `${sprint}/${attempt}`;
    const passing = this.verdicts.get(key) ?? new Set<string>();
    passing.add(evaluator);
    this.verdicts.set(key, passing);
    if (!this.evaluators.every((e) => passing.has(e))) return false;
    this.passedSprints.add(sprint);
    return true;
  }

  get passed(): number { return this.passedSprints.size; }
}
