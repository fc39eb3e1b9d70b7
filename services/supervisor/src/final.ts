import { DeterministicCheck, type AttemptState, type EventMessage, type RegressionSet, type RunState, type SprintContract } from "@harness/contracts";
// Types only from steps.ts: it calls into this module (redispatch), so no runtime import back.
import type { Decisions } from "./steps.js";
import { judged } from "./verdicts.js";

function lastSprintContract(s: RunState): SprintContract | undefined {
  return s.sprints.find((x) => x.number === s.currentSprint)?.contract;
}

/**
 * Final acceptance: once the last sprint passed, the run completes only when the whole product
 * passes one more evaluation: every sprint's accepted checks against the last build, with the
 * whole spec as the excerpt (so exploratory QA looks at every feature), by every gating
 * evaluator. A failed one is reworked (a build with the failing verdicts as feedback) and
 * evaluated again, `finalAttempts` evaluations in all. Its work and events carry sprint 0.
 */
export function startFinal(d: Decisions): void {
  const s = d.s;
  s.final = { status: "evaluating", attempts: [{ attempt: 1, status: "evaluating", verdicts: {} }], costUsd: 0, calls: 0 };
  d.record("final_acceptance", `all ${s.sprints.length} sprints passed: final acceptance of the whole product`);
  finalEvaluationWork(d);
}

/** The last sprint's contract as the final acceptance runs it: its deterministic checks (no judge), else all. */
export function finalContract(s: RunState): SprintContract | undefined {
  const contract = lastSprintContract(s);
  if (!contract) return undefined;
  const checks = contract.checks.filter((c) => DeterministicCheck.safeParse(c).success);
  const { retire: _retire, ...rest } = contract;
  return { ...rest, checks: checks.length > 0 ? checks : contract.checks };
}

/** Every accepted sprint's set but the checks the final contract runs itself. */
export function finalRegression(s: RunState): RegressionSet[] {
  const contract = finalContract(s);
  const own = new Set(contract?.checks.map((c) => c.id) ?? []);
  return s.accepted
    .map((set) => (set.sprint === contract?.sprint ? { ...set, checks: set.checks.filter((c) => !own.has(c.id)) } : set))
    .filter((set) => set.checks.length > 0);
}

export function finalArtifact(s: RunState, attempt: AttemptState): RunState["lastArtifact"] {
  return attempt.build?.artifact ?? s.lastArtifact;
}

export function finalEvaluationWork(d: Decisions, only?: string): void {
  const s = d.s;
  const attempt = s.final?.attempts.at(-1);
  const contract = finalContract(s);
  const artifact = attempt ? finalArtifact(s, attempt) : undefined;
  if (!s.final || !attempt || !contract || !artifact) return;
  s.final.status = "evaluating";
  attempt.status = "evaluating";
  s.waitingFor = "verdicts";
  const specExcerpt = { title: s.spec?.title ?? "", overview: s.spec?.overview ?? "", features: s.spec?.features ?? [] };
  const regression = finalRegression(s);
  for (const evaluator of s.options.evaluators) {
    if (attempt.verdicts[evaluator] || (only !== undefined && evaluator !== only)) continue;
    // Exploration as per sprint, over the whole spec (it is all in the excerpt: no earlier features apart).
    d.work("evaluation.requested", { specExcerpt, contract, artifact, regression, scope: "final", explore: { ...s.options.explore, earlierFeatures: [] } }, 0, attempt.attempt, evaluator);
  }
}

/** A rework of the whole product: the last contract, the failing final verdicts as feedback, from the build they judged. */
export function finalBuildWork(d: Decisions): void {
  const s = d.s;
  const attempts = s.final?.attempts ?? [];
  const current = attempts.at(-1);
  const previous = attempts.at(-2);
  const contract = lastSprintContract(s);
  if (!s.final || !s.spec || !contract || !current || !previous) return;
  const base = finalArtifact(s, previous);
  s.final.status = "building";
  current.status = "building";
  s.waitingFor = "build";
  d.work("build.requested", {
    spec: s.spec, contract, feedback: Object.values(previous.verdicts).filter((v) => !v.passed),
    ...(base ? { base } : {}),
    ...(previous.build?.notes ? { previousNotes: previous.build.notes } : {}),
  }, 0, current.attempt);
}

/** Whether the final acceptance is under way (so sprint-0 work and events are its). */
export function finalRunning(s: RunState): boolean {
  return s.final?.status === "evaluating" || s.final?.status === "building";
}

/**
 * Folds a final-acceptance event (sprint 0, while the final acceptance runs); false when the
 * event is not one. `fail` and `complete` end the run.
 */
export function onFinalEvent(d: Decisions, e: EventMessage, end: { fail: (decision: string, reason: string) => void }): boolean {
  const s = d.s;
  const final = s.final;
  if (!final || e.sprint !== 0 || !finalRunning(s)) return false;
  const attempt = final.attempts.at(-1);
  if (!attempt || e.attempt !== attempt.attempt) return e.type === "build.produced" || e.type === "verdict.produced";
  if (e.type === "build.produced") {
    if (s.waitingFor !== "build" || attempt.build) return true;
    attempt.build = { artifact: e.payload.artifact, files: e.payload.files, ...(e.payload.commit ? { commit: e.payload.commit } : {}), eventId: e.id, notes: e.payload.notes };
    finalEvaluationWork(d);
    return true;
  }
  if (e.type !== "verdict.produced") return false;
  const v = e.payload.verdict;
  if (s.waitingFor !== "verdicts" || !s.options.evaluators.includes(v.evaluator) || attempt.verdicts[v.evaluator]) return true;
  attempt.verdicts[v.evaluator] = judged(v, finalContract(s), finalRegression(s));
  if (s.options.evaluators.some((name) => !attempt.verdicts[name])) return true;
  if (Object.values(attempt.verdicts).every((x) => x.passed)) {
    attempt.status = "passed";
    final.status = "passed";
    s.lastArtifact = finalArtifact(s, attempt);
    s.waitingFor = "nothing";
    d.transition("completed", "complete", `all ${s.sprints.length} sprints passed and the final acceptance of the whole product passed${attempt.attempt > 1 ? ` (attempt ${attempt.attempt})` : ""}`);
    return true;
  }
  attempt.status = "failed";
  const failing = Object.values(attempt.verdicts).flatMap((x) => x.criteria.filter((c) => !c.passed).map((c) => c.checkId));
  if (final.attempts.length < s.options.finalAttempts) {
    final.attempts.push({ attempt: attempt.attempt + 1, status: "building", verdicts: {} });
    d.record("final_rework", `final acceptance failed (${failing.slice(0, 10).join(", ")}): reworking the product`);
    finalBuildWork(d);
    return true;
  }
  final.status = "failed";
  end.fail("final_acceptance", `final acceptance failed ${final.attempts.length} times; last failures: ${failing.slice(0, 10).join(", ")}`);
  return true;
}
