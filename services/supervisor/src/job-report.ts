import type { JobState, JobVerdict } from "@harness/contracts";

/**
 * What a job's verdicts say against what was expected. A calibration compares every criterion of
 * every verdict with the variant's label (the criteria that must fail): a passed criterion the
 * label names is a false pass, a failed one it does not name a false fail. A rubric criterion a
 * scripted model graded is "not judged", never agreed; so is a labelled criterion the verdict
 * does not have. A re-judgement compares the new verdicts with the run's, criterion by criterion.
 */

export type Outcome = "falsePass" | "falseFail" | "agreed" | "notJudged";
export interface Counts { falsePass: number; falseFail: number; agreed: number; notJudged: number }
interface Finding { variant: string; criterion: string; repeat: number; feedback: string }

const zero = (): Counts => ({ falsePass: 0, falseFail: 0, agreed: 0, notJudged: 0 });

/** `ui-delete` for the core evaluator, `<evaluator>:<id>` for the others (the label's form). */
export function criterionName(evaluator: string, checkId: string): string {
  return evaluator === "core" ? checkId : `${evaluator}:${checkId}`;
}

function labelled(labels: readonly string[], evaluator: string, checkId: string): boolean {
  return labels.includes(`${evaluator}:${checkId}`) || labels.includes(checkId);
}

export function calibrationReport(j: JobState) {
  const byCriterion = new Map<string, Counts & { criterion: string; evaluator: string }>();
  const byVariant = new Map<string, Counts & { variant: string; unjudged: number }>();
  const falsePasses: Finding[] = [];
  const falseFails: Finding[] = [];
  const notJudged: Array<Finding & { why: string }> = [];
  const seen = new Map<string, { variant: string; criterion: string; passed: Set<boolean> }>();
  const totals = zero();
  const unjudged: Array<{ variant: string; evaluator: string; repeat: number; status: string; reason: string }> = [];
  for (const v of j.variants) byVariant.set(v.name, { variant: v.name, ...zero(), unjudged: 0 });

  // Two corpora may both have a `ui-add`: different checks, so the table keeps them apart.
  const corpusOf = (variant: string) => (variant.includes("/") ? variant.slice(0, variant.indexOf("/")) : "");
  const manyCorpora = new Set(j.variants.map((v) => corpusOf(v.name))).size > 1;
  const count = (variant: string, evaluator: string, checkId: string, outcome: Outcome) => {
    const criterion = manyCorpora ? `${corpusOf(variant)}: ${criterionName(evaluator, checkId)}` : criterionName(evaluator, checkId);
    const row = byCriterion.get(criterion) ?? { criterion, evaluator, ...zero() };
    byCriterion.set(criterion, row);
    row[outcome]++;
    byVariant.get(variant)![outcome]++;
    totals[outcome]++;
  };

  for (const item of j.items) {
    const v = j.variants[item.variant]!;
    if (item.status !== "judged" || !item.verdict) {
      byVariant.get(v.name)!.unjudged++;
      unjudged.push({ variant: v.name, evaluator: item.evaluator, repeat: item.repeat, status: item.status, reason: item.failure ?? (item.status === "dropped" ? j.reason || "the job ended first" : "not judged yet") });
      continue;
    }
    const verdict: JobVerdict = item.verdict;
    for (const c of verdict.criteria) {
      const criterion = criterionName(item.evaluator, c.checkId);
      const mustFail = labelled(v.failing, item.evaluator, c.checkId);
      let outcome: Outcome;
      if (c.kind === "rubric" && j.options.rubric === "not-judged") {
        outcome = "notJudged";
        notJudged.push({ variant: v.name, criterion, repeat: item.repeat, feedback: c.feedback, why: "rubric graded by a scripted model" });
      } else if (c.passed !== mustFail) outcome = "agreed";
      else if (c.passed) { outcome = "falsePass"; falsePasses.push({ variant: v.name, criterion, repeat: item.repeat, feedback: c.feedback }); }
      else { outcome = "falseFail"; falseFails.push({ variant: v.name, criterion, repeat: item.repeat, feedback: c.feedback }); }
      count(v.name, item.evaluator, c.checkId, outcome);
      const key = `${v.name}\u0000${criterion}`;
      const s = seen.get(key) ?? { variant: v.name, criterion, passed: new Set<boolean>() };
      s.passed.add(c.passed);
      seen.set(key, s);
    }
    // A label the verdict has no criterion for: the evaluator did not judge what must fail.
    const own = new Set(verdict.criteria.map((c) => c.checkId));
    for (const label of v.failing) {
      const [who, id] = label.includes(":") ? [label.slice(0, label.indexOf(":")), label.slice(label.indexOf(":") + 1)] : ["core", label];
      if (who !== item.evaluator || own.has(id)) continue;
      count(v.name, item.evaluator, id, "notJudged");
      notJudged.push({ variant: v.name, criterion: criterionName(item.evaluator, id), repeat: item.repeat, feedback: "", why: "labelled to fail, but the verdict has no such criterion" });
    }
  }
  const flaky = [...seen.values()].filter((s) => s.passed.size > 1).map((s) => ({ variant: s.variant, criterion: s.criterion }));
  const end = j.finishedAt ?? j.updatedAt;
  return {
    totals, falsePasses, falseFails, notJudged, flaky, unjudged,
    criteria: [...byCriterion.values()].sort((a, b) => a.criterion.localeCompare(b.criterion)),
    variants: [...byVariant.values()],
    seconds: Math.max(0, (Date.parse(end) - Date.parse(j.createdAt)) / 1000),
    costUsd: j.usage.costUsd,
  };
}
export type CalibrationReport = ReturnType<typeof calibrationReport>;

export interface CriterionComparison { checkId: string; kind: string; original: boolean | null; now: boolean | null; agree: boolean; feedback: string }

/** Per attempt and evaluator, the run's verdict beside the new one; disagreements first. */
export function rejudgementReport(j: JobState) {
  const attempts = j.items.map((item) => {
    const v = j.variants[item.variant]!;
    const before = v.original?.[item.evaluator];
    const after = item.verdict;
    const ids = [...new Set([...(before?.criteria ?? []), ...(after?.criteria ?? [])].map((c) => c.checkId))];
    const criteria: CriterionComparison[] = ids.map((checkId) => {
      const o = before?.criteria.find((c) => c.checkId === checkId);
      const n = after?.criteria.find((c) => c.checkId === checkId);
      const original = o ? o.passed : null;
      const now = n ? n.passed : null;
      return { checkId, kind: (n ?? o)!.kind, original, now, agree: after === undefined || original === now, feedback: (n ?? o)!.feedback };
    }).sort((a, b) => Number(a.agree) - Number(b.agree));
    return {
      sprint: v.origin?.sprint ?? 0, attempt: v.origin?.attempt ?? 1, evaluator: item.evaluator, status: item.status,
      ...(item.failure ? { failure: item.failure } : {}),
      original: before ? { passed: before.passed, summary: before.summary } : null,
      now: after ? { passed: after.passed, summary: after.summary } : null,
      disagreements: criteria.filter((c) => !c.agree).length,
      criteria,
    };
  }).sort((a, b) => Number(b.disagreements > 0) - Number(a.disagreements > 0) || a.sprint - b.sprint || a.attempt - b.attempt || a.evaluator.localeCompare(b.evaluator));
  return { disagreements: attempts.reduce((n, a) => n + a.disagreements, 0), attempts, missing: j.missing };
}
export type RejudgementReport = ReturnType<typeof rejudgementReport>;
