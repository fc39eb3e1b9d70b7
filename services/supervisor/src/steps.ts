import { workHolder, type OutboxItem, type RunState, type RunStatus, type SpecExcerpt, type SprintState, type WorkMessage } from "@harness/contracts";
import { derivedId } from "@harness/runtime";
import { finalBuildWork, finalEvaluationWork, finalRunning } from "./final.js";
import { acceptedBefore, regressionFor } from "./regression.js";

export const SUPERVISOR = { role: "supervisor" as const, instance: "supervisor" };

/**
 * Decisions made while folding one event. Message ids derive from the event id, so folding
 * the same event again (after a crash) yields the same ids and JetStream drops the repeats.
 */
export class Decisions {
  readonly out: OutboxItem[] = [];
  constructor(readonly s: RunState, readonly causeId: string, readonly now: string) {}

  private msg(type: string, payload: unknown, sprint: number, attempt: number, key = ""): Record<string, unknown> {
    return {
      id: derivedId(this.causeId, "sup", type, key, this.out.length), schemaVersion: 1, type, runId: this.s.id,
      sprint, attempt, causationId: this.causeId, producer: SUPERVISOR, time: this.now, payload,
    };
  }

  work(type: WorkMessage["type"], payload: unknown, sprint: number, attempt: number, evaluator?: string): void {
    const message = this.msg(type, payload, sprint, attempt, evaluator);
    this.out.push({ kind: "work", ...(evaluator ? { evaluator } : {}), message });
    if (this.s.given === undefined) return;
    // Kept with its sprint (archived with it), so what a fold rewrites does not grow with the run.
    // Replaced, never changed in place: the previous state shares it (see draft).
    const entry = { [String(message["id"])]: workHolder(type, evaluator) };
    const sp = sprint > 0 ? this.s.sprints.find((x) => x.number === sprint && x.archived !== true) : undefined;
    if (sp) sp.given = { ...sp.given, ...entry };
    else this.s.given = { ...this.s.given, ...entry };
  }

  /** A decision that leaves the status as it is (a stall re-dispatch), recorded in the run's history. */
  record(decision: string, reason: string): void {
    const status = this.s.status;
    this.out.push({ kind: "event", message: this.msg("run.transition", { from: status, to: status, decision, reason }, this.s.currentSprint, 0) });
  }

  transition(to: RunStatus, decision: string, reason = ""): void {
    const from = this.s.status;
    if (from === to) return;
    this.s.status = to;
    if (reason) this.s.reason = reason;
    this.out.push({ kind: "event", message: this.msg("run.transition", { from, to, decision, reason }, this.s.currentSprint, 0) });
  }
}

export function sprintOf(s: RunState, n = s.currentSprint): SprintState | undefined {
  return s.sprints.find((x) => x.number === n);
}

export function specExcerpt(s: RunState, sprint: SprintState): SpecExcerpt {
  const plan = s.spec?.sprints.find((p) => p.number === sprint.number);
  return {
    title: s.spec?.title ?? "",
    overview: s.spec?.overview ?? "",
    features: (s.spec?.features ?? []).filter((f) => plan?.featureIds.includes(f.id)),
  };
}

const MAX_PLAN_COMMENTS = 20_000;

export function planWork(d: Decisions, revision?: { comments: string; replanFrom?: number }): void {
  const s = d.s;
  s.waitingFor = "spec";
  // Kept until the spec arrives, so work issued again (a stall, a resume) asks for the same revision.
  // Cut to what plan work and the state hold: a replan's failures can run long.
  const comments = revision?.comments.slice(0, MAX_PLAN_COMMENTS);
  if (comments) s.planComments = comments;
  else delete s.planComments;
  d.work("plan.requested", {
    prompt: s.prompt, maxSprints: s.options.maxSprints, version: s.specVersion + 1,
    ...(s.options.constraints ? { constraints: s.options.constraints } : {}),
    ...(comments && s.spec ? { revision: { previousSpec: s.spec, comments } } : {}),
    ...(revision?.replanFrom ? { replanFrom: revision.replanFrom } : {}),
  }, 0, 0);
}

export function contractWork(d: Decisions, sprint: SprintState): void {
  const s = d.s;
  const plan = s.spec?.sprints.find((p) => p.number === sprint.number);
  if (!s.spec || !plan) return;
  const lastReview = sprint.reviews.at(-1);
  sprint.status = "contracting";
  s.waitingFor = "contract";
  d.work("contract.requested", {
    spec: s.spec, sprintPlan: plan, round: sprint.contractRound,
    ...(sprint.contract && lastReview && sprint.contractRound > 1 ? { previous: { contract: sprint.contract, review: lastReview.review } } : {}),
  }, sprint.number, 0);
}

export function reviewWork(d: Decisions, sprint: SprintState): void {
  if (!sprint.contract) return;
  d.s.waitingFor = "review";
  d.work("review.requested", { specExcerpt: specExcerpt(d.s, sprint), contract: sprint.contract, round: sprint.contractRound, maxRounds: d.s.options.maxContractRounds, accepted: acceptedBefore(d.s, sprint.number) }, sprint.number, 0);
}

export function buildWork(d: Decisions, sprint: SprintState): void {
  const s = d.s;
  const current = sprint.attempts.at(-1);
  if (!s.spec || !sprint.contract || !current) return;
  const previous = sprint.attempts.at(-2);
  const base = previous?.build?.artifact ?? s.lastArtifact;
  const feedback = previous ? Object.values(previous.verdicts).filter((v) => !v.passed) : [];
  sprint.status = "building";
  current.status = "building";
  s.waitingFor = "build";
  d.work("build.requested", {
    spec: s.spec, contract: sprint.contract, feedback,
    ...(base ? { base } : {}),
    ...(previous?.build?.notes ? { previousNotes: previous.build.notes } : {}),
  }, sprint.number, current.attempt);
}

/** Evaluation work carries spec excerpt, contract, artifact and the earlier sprints' accepted checks: nothing the generator said. */
export function evaluationWork(d: Decisions, sprint: SprintState, only?: string): void {
  const current = sprint.attempts.at(-1);
  if (!sprint.contract || !current?.build) return;
  sprint.status = "evaluating";
  current.status = "evaluating";
  d.s.waitingFor = "verdicts";
  const regression = regressionFor(d.s, sprint);
  for (const evaluator of d.s.options.evaluators) {
    if (current.verdicts[evaluator] || (only !== undefined && evaluator !== only)) continue;
    d.work("evaluation.requested", { specExcerpt: specExcerpt(d.s, sprint), contract: sprint.contract, artifact: current.build.artifact, regression, explore: exploreWork(d.s, sprint) }, sprint.number, current.attempt, evaluator);
  }
}

/** The run's exploration options, and what earlier sprints delivered (the explorer re-tries it too). */
function exploreWork(s: RunState, sprint: SprintState) {
  const earlier = new Set((s.spec?.sprints ?? []).filter((p) => p.number < sprint.number).flatMap((p) => p.featureIds));
  const current = new Set(s.spec?.sprints.find((p) => p.number === sprint.number)?.featureIds ?? []);
  return { ...s.options.explore, earlierFeatures: (s.spec?.features ?? []).filter((f) => earlier.has(f.id) && !current.has(f.id)) };
}

/**
 * Re-issues the work the run is waiting for (after a resume, a stall, or a budget pause). With
 * `evaluator`, only that evaluator's evaluation: the others may still be running.
 */
export function redispatch(d: Decisions, evaluator?: string): void {
  const sprint = sprintOf(d.s);
  switch (d.s.waitingFor) {
    case "spec": planWork(d, d.s.planComments !== undefined ? { comments: d.s.planComments, ...(d.s.replanFrom ? { replanFrom: d.s.replanFrom } : {}) } : undefined); return;
    case "contract": if (sprint) contractWork(d, sprint); return;
    case "review": if (sprint) reviewWork(d, sprint); return;
    case "build": if (finalRunning(d.s)) finalBuildWork(d); else if (sprint) buildWork(d, sprint); return;
    case "verdicts": if (finalRunning(d.s)) finalEvaluationWork(d, evaluator); else if (sprint) evaluationWork(d, sprint, evaluator); return;
    default: return;
  }
}
