import { RUN_STATE_FORMAT, WORK_FAILED_CODES, type BudgetPatch, type EventMessage, type OutboxItem, type ProductSpec, type RunControl, type RunOptions, type RunState, type SprintState } from "@harness/contracts";
import { buildWork, contractWork, Decisions, evaluationWork, planWork, redispatch, reviewWork, sprintOf } from "./steps.js";
import { awaitedRefusal, awaitedWork, progressCover, stillHeld } from "./awaited.js";
import { finalRunning, onFinalEvent, startFinal } from "./final.js";
import { acceptSprint, regressionFor } from "./regression.js";
import { judged } from "./verdicts.js";
import { refusalConfirmed, release, reserve, settle as settleUsage, writeOffAfter } from "./reservations.js";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
/** Events that say nothing about the run moving on. */
const NOT_PROGRESS = new Set(["usage.reserved", "usage.recorded", "usage.released", "run.transition", "work.progress"]);

/** The state a run starts in, written by the API before run.requested is folded. */
export function initialState(id: string, prompt: string, options: RunOptions, now: string): RunState {
  return {
    format: RUN_STATE_FORMAT, id, prompt, options, status: "queued", reason: "", waitingFor: "nothing", createdAt: now, updatedAt: now,
    specVersion: 0, currentSprint: 0, sprints: [], accepted: [], retired: [], eventCount: 0, applied: [], pending: [], held: [], resumes: 0, replans: 0, waitedMs: 0,
    usage: {
      inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, calls: 0,
      reservedUsd: 0, reservedTokens: 0, reservedCalls: 0, unsettledUsd: 0, unsettledTokens: 0, unsettledCalls: 0,
    },
    reservations: [], settledEarly: [], given: {},
  };
}

/**
 * Folds one event into a run's state: pure, deterministic given `now`. An event that does not
 * match what the run waits for (a duplicate, a late result of superseded work) changes nothing
 * but the event count. Returns the messages to publish.
 */
export function reduce(prev: RunState, event: EventMessage, now: string): { state: RunState; outbox: OutboxItem[] } {
  const s = draft(prev);
  const d = new Decisions(s, event.id, now);
  recordApplied(s, event);
  s.eventCount++;
  // updatedAt is the watchdog's clock of life: a worker still at superseded work does not keep a run that waits on lost work alive.
  if (event.type !== "work.progress" || (awaitedWork(s, event) && event.payload.elapsedMs <= progressCover(s))) s.updatedAt = now;
  if (!NOT_PROGRESS.has(event.type)) s.lastProgressAt = now;
  apply(d, event);
  writeOffAfter(s, event, false);
  return settle(d);
}

/** Whether the state already holds this event id (an archived sprint's ids are in its record: see archive.ts). */
export function isApplied(s: RunState, id: string): boolean {
  return s.applied.includes(id) || s.sprints.some((sp) => sp.applied.includes(id));
}

/** An event's id goes with its sprint while the sprint is in the state; otherwise to the run's own list. */
function recordApplied(s: RunState, e: EventMessage): void {
  const sprint = e.sprint > 0 ? s.sprints.find((sp) => sp.number === e.sprint && sp.archived !== true) : undefined;
  (sprint ? sprint.applied : s.applied).push(e.id);
}

/** Sprints replaced by a new plan hand their event ids to the run, so their events still count as applied. */
function replaceSprints(s: RunState, sprints: SprintState[]): void {
  const kept = new Set(sprints);
  for (const sp of s.sprints) if (!kept.has(sp)) s.applied.push(...sp.applied);
  s.sprints = sprints;
}

/**
 * A copy of `prev` that a fold step may change: new objects and arrays down to what the reducer
 * and the watchdog rules write to (top-level fields, usage, sprints, reviews, attempts, verdict
 * maps, applied ids, pending, held). Everything below that (spec, options, contracts, builds,
 * verdicts, outbox messages) is shared with `prev` and only ever replaced, never changed in place,
 * so `prev` stays as it was: the fold may keep it (its cache) and a lost compare-and-set retries
 * from it. A deep clone of the whole state per event cost more than the rest of reduce.
 */
export function draft(prev: RunState): RunState {
  return {
    ...prev,
    usage: { ...prev.usage },
    sprints: prev.sprints.map((sp) => ({
      ...sp,
      reviews: [...sp.reviews],
      attempts: sp.attempts.map((a) => ({ ...a, verdicts: { ...a.verdicts } })),
      applied: [...sp.applied],
    })),
    ...(prev.final ? { final: { ...prev.final, attempts: prev.final.attempts.map((a) => ({ ...a, verdicts: { ...a.verdicts } })) } } : {}),
    applied: [...prev.applied],
    pending: [...prev.pending],
    held: [...prev.held],
  };
}

/** Ends a fold step: budgets are checked, and work decided while paused or after the end is held or dropped. */
export function settle(d: Decisions): { state: RunState; outbox: OutboxItem[] } {
  const s = d.s;
  clockHumanWait(s, d.now);
  if (!TERMINAL.has(s.status)) checkBudget(d, d.now);
  clockHumanWait(s, d.now);
  // Work decided while paused waits for resume; records (transitions) go out at once.
  if (s.status === "paused") {
    s.held.push(...d.out.filter((o) => o.kind === "work"));
    return { state: s, outbox: d.out.filter((o) => o.kind !== "work") };
  }
  if (TERMINAL.has(s.status)) {
    // Nothing is resumed after the end: held work would only be shown as waiting. Calls still
    // unsettled are charged at their reservation (a late settlement replaces the charge).
    s.held = [];
    writeOffAfter(s, undefined, true);
    return { state: s, outbox: d.out.filter((o) => o.kind !== "work") };
  }
  return { state: s, outbox: d.out };
}

function apply(d: Decisions, e: EventMessage): void {
  const s = d.s;
  const sprint = sprintOf(s);
  const current = e.sprint === s.currentSprint && sprint !== undefined;
  if (onFinalEvent(d, e, { fail: (decision, reason) => fail(d, decision, reason) })) return;
  switch (e.type) {
    case "run.requested":
      startPlanning(d);
      return;
    case "spec.produced":
      if (s.waitingFor !== "spec" || e.payload.version !== s.specVersion + 1) return;
      s.spec = e.payload.spec;
      s.specVersion = e.payload.version;
      delete s.planComments;
      if (s.replanFrom) {
        // Replanned: accepted sprints stay as they are, the rest come from the new plan.
        const from = s.replanFrom;
        delete s.replanFrom;
        replaceSprints(s, [...s.sprints.filter((x) => x.number < from), ...newSprints(e.payload.spec, s.options.maxSprints).filter((x) => x.number >= from)]);
        if (!sprintOf(s, from)) { fail(d, "replan_empty", `the replanned spec has no sprint ${from}`); return; }
        startSprint(d, from);
        return;
      }
      replaceSprints(s, newSprints(e.payload.spec, s.options.maxSprints));
      if (s.options.gates.approveSpec) { s.waitingFor = "spec_approval"; return; }
      startSprint(d, 1);
      return;
    case "contract.proposed":
      if (s.waitingFor !== "contract" || !current || e.payload.round !== sprint.contractRound) return;
      sprint.contract = e.payload.contract;
      reviewWork(d, sprint);
      return;
    case "contract.reviewed":
      if (s.waitingFor !== "review" || !current || e.payload.round !== sprint.contractRound) return;
      sprint.reviews.push({ round: e.payload.round, review: e.payload.review, by: "evaluator" });
      if (e.payload.review.approved) {
        if (s.options.gates.approveContracts) { sprint.status = "awaiting_approval"; s.waitingFor = "contract_approval"; return; }
        startAttempt(d, sprint);
      } else if (sprint.contractRound >= s.options.maxContractRounds) {
        sprint.status = "failed";
        fail(d, "contract_rounds", `no contract agreed for sprint ${sprint.number} after ${sprint.contractRound} rounds`);
      } else {
        sprint.contractRound++;
        contractWork(d, sprint);
      }
      return;
    case "build.produced": {
      const attempt = sprint?.attempts.at(-1);
      if (s.waitingFor !== "build" || !current || !attempt || e.attempt !== attempt.attempt || attempt.build) return;
      attempt.build = { artifact: e.payload.artifact, files: e.payload.files, ...(e.payload.commit ? { commit: e.payload.commit } : {}), eventId: e.id, notes: e.payload.notes };
      evaluationWork(d, sprint);
      return;
    }
    case "verdict.produced": {
      const attempt = sprint?.attempts.at(-1);
      const v = e.payload.verdict;
      if (s.waitingFor !== "verdicts" || !current || !attempt || e.attempt !== attempt.attempt) return;
      if (!s.options.evaluators.includes(v.evaluator) || attempt.verdicts[v.evaluator]) return;
      attempt.verdicts[v.evaluator] = judged(v, sprint.contract, regressionFor(s, sprint));
      if (s.options.evaluators.some((name) => !attempt.verdicts[name])) return;
      onAllVerdicts(d, sprint);
      return;
    }
    case "usage.reserved":
      reserve(s, e);
      return;
    case "usage.recorded": {
      // What this record adds to the run's usage is the final acceptance's too while it runs (its work carries sprint 0).
      const [cost, calls] = [s.usage.costUsd, s.usage.calls];
      settleUsage(s, e);
      if (s.final && e.sprint === 0 && finalRunning(s)) s.final = { ...s.final, costUsd: s.final.costUsd + s.usage.costUsd - cost, calls: s.final.calls + s.usage.calls - calls };
      return;
    }
    case "usage.released":
      release(s, e);
      return;
    case "work.failed": {
      // A late failure of superseded work (a stall re-dispatch's twin, an earlier attempt) is history, not news.
      if (TERMINAL.has(s.status) || !awaitedWork(s, e)) return;
      const what = `${e.payload.role} could not complete ${e.payload.work}: ${e.payload.reason}`;
      if (e.payload.code === WORK_FAILED_CODES.modelUnavailable) { pauseFor(d, "model_unavailable", `the model stayed unavailable: ${what}; resume when it is back`, e.payload.evaluator); return; }
      // No verdict was reached, so none is taken: neither the product nor an attempt is failed.
      if (e.payload.code === WORK_FAILED_CODES.evaluationInterrupted) { pauseFor(d, "evaluation_interrupted", `${what}; no verdict on the product was reached; resume once the evaluator's machine is fine`, e.payload.evaluator); return; }
      fail(d, "work_failed", what);
      return;
    }
    case "budget.exceeded": {
      if (TERMINAL.has(s.status)) return;
      const refused = awaitedRefusal(s, e) ? { evaluator: e.payload.evaluator } : undefined;
      // Refused against a limit a resume has raised since: the work goes out again, nothing pauses.
      if (raisedSince(s, e.payload.kind, e.payload.limit)) { if (refused) redispatch(d, refused.evaluator); return; }
      // A refusal the supervisor's own ledger does not bear out (forged, or from a stale view) is
      // recorded as suspect and its work goes out again: a real one comes back and is confirmed.
      const check = refusalConfirmed(s, e);
      if (!check.confirmed) {
        d.record("budget_refusal_suspect", `${e.producer.role} ${e.producer.instance} refused a call on ${e.payload.kind}, not confirmed: ${check.why}`);
        if (refused) onSuspectRefusal(d, e, refused.evaluator);
        return;
      }
      onBudgetExceeded(d, e.payload.kind, `${e.payload.kind} budget exceeded: ${e.payload.detail || `${e.payload.used} of ${e.payload.limit}`}`, refused);
      return;
    }
    case "run.control":
      control(d, e.payload.action, e.payload.comment, e.payload.budget);
      return;
    case "work.progress":
    case "run.transition":
      return;
  }
}

/**
 * Suspect refusals of one awaited work item (the same wait, sprint, attempt, round, evaluator)
 * before the run fails rather than send the work out again: each re-dispatch is a new copy of the
 * work, so a worker that refuses without cause (a compromised one, or one priced differently from
 * the supervisor) would otherwise multiply it without end.
 */
export const MAX_SUSPECT_REFUSALS = 3;

function onSuspectRefusal(d: Decisions, e: Extract<EventMessage, { type: "budget.exceeded" }>, evaluator: string | undefined): void {
  const s = d.s;
  const work = [s.waitingFor, e.sprint, e.attempt, e.payload.round ?? "", evaluator ?? ""].join(":");
  const count = s.suspectRefusals?.work === work ? s.suspectRefusals.count + 1 : 1;
  s.suspectRefusals = { work, count };
  if (count < MAX_SUSPECT_REFUSALS) { redispatch(d, evaluator); return; }
  const who = evaluator !== undefined ? `evaluator ${evaluator}` : e.producer.role;
  fail(d, "budget_refusal_suspect", `${who} refused the ${s.waitingFor} work's model calls ${count} times on ${e.payload.kind} where the supervisor's ledger leaves room: `
    + "not sent out again. Check that the workers and the supervisor share HARNESS_MODEL_PRICES, or look for a compromised worker");
}

function startSprint(d: Decisions, n: number): void {
  const sprint = sprintOf(d.s, n);
  if (!sprint) return;
  d.s.currentSprint = n;
  sprint.contractRound = 1;
  // A result that lands after a pause moves the run on, but only a resume makes it run: the
  // next sprint's work is held (settle) and the status stays paused.
  if (d.s.status === "paused") d.record("start_sprint", `sprint ${n}, held while paused`);
  else d.transition("running", "start_sprint", `sprint ${n}`);
  contractWork(d, sprint);
}

/** Leaves the queue for planning; once only, whether run.requested or the watchdog comes first. */
export function startPlanning(d: Decisions): void {
  if (d.s.status !== "queued") return;
  d.transition("planning", "plan", "run requested");
  planWork(d);
}

function startAttempt(d: Decisions, sprint: SprintState): void {
  sprint.attempts.push({ attempt: sprint.attempts.length + 1, status: "building", verdicts: {} });
  buildWork(d, sprint);
}

function onAllVerdicts(d: Decisions, sprint: SprintState): void {
  const s = d.s;
  const attempt = sprint.attempts.at(-1)!;
  const passed = Object.values(attempt.verdicts).every((v) => v.passed);
  if (passed) {
    attempt.status = "passed";
    sprint.status = "passed";
    s.lastArtifact = attempt.build!.artifact;
    acceptSprint(s, sprint);
    const next = sprintOf(s, sprint.number + 1);
    if (next) { startSprint(d, next.number); return; }
    // The run completes only when the whole product passes its final acceptance (final.ts).
    startFinal(d);
    return;
  }
  attempt.status = "failed";
  if (sprint.attempts.length < s.options.maxAttemptsPerSprint) { startAttempt(d, sprint); return; }
  sprint.status = "failed";
  if (s.replans < s.options.maxReplans) {
    s.replans++;
    s.replanFrom = sprint.number;
    const failing = Object.values(attempt.verdicts).flatMap((v) => v.criteria.filter((c) => !c.passed).map((c) => `- ${c.checkId}: ${c.feedback.split("\n")[0]}`));
    planWork(d, { replanFrom: sprint.number, comments: `Sprint ${sprint.number} failed evaluation ${sprint.attempts.length} times. Last failures:\n${failing.slice(0, 20).join("\n")}` });
    return;
  }
  fail(d, "max_attempts", `max attempts: sprint ${sprint.number} failed evaluation ${sprint.attempts.length} times`);
}

function newSprints(spec: ProductSpec, maxSprints: number): SprintState[] {
  return spec.sprints.slice(0, maxSprints).map((p) => ({ number: p.number, status: "pending", contractRound: 0, reviews: [], attempts: [], applied: [] }));
}

function fail(d: Decisions, decision: string, reason: string): void {
  d.s.waitingFor = "nothing";
  d.transition("failed", decision, reason);
}

/**
 * `refused` is the awaited work a worker dropped when its call was refused: issued again on
 * resume (held), even when the run was paused already, or the run would wait on nothing.
 */
function onBudgetExceeded(d: Decisions, kind: string, reason: string, refused?: { evaluator?: string | undefined }): void {
  const s = d.s;
  if (TERMINAL.has(s.status)) return;
  if (s.status === "paused") { if (refused) redispatch(d, refused.evaluator); return; }
  if (s.options.onBudgetExceeded === "fail") { fail(d, `budget_${kind}`, reason); return; }
  s.pausedFrom = s.waitingFor;
  d.transition("paused", `budget_${kind}`, reason);
  if (refused) redispatch(d, refused.evaluator);
}

/** Whether the run's limit of this kind is now above the one a worker's refusal was made against. */
function raisedSince(s: RunState, kind: string, limit: number): boolean {
  if (kind === "cost") return s.options.budget.maxCostUsd > limit;
  if (kind === "tokens") return s.options.budget.maxTokens > limit;
  return false;
}

/** ChangeRequest.request's limit; the API refuses longer contract comments. */
const MAX_CHANGE_REQUEST = 4_000;

/** Work that failed for a reason outside the run (the model is down) waits for a human, held to be issued again on resume. */
function pauseFor(d: Decisions, decision: string, reason: string, evaluator?: string): void {
  const s = d.s;
  if (s.status !== "paused") {
    s.pausedFrom = s.waitingFor;
    d.transition("paused", decision, reason);
  } else {
    d.record(decision, reason);
  }
  redispatch(d, evaluator);
}

/** Waits only a human can end: the wall-clock budget does not run during them. */
function waitsOnHuman(s: RunState): boolean {
  return s.status === "paused" || s.waitingFor === "spec_approval" || s.waitingFor === "contract_approval" || s.waitingFor === "human";
}

/** Starts or ends the clock of a human wait as the status says. */
function clockHumanWait(s: RunState, now: string): void {
  const waiting = !TERMINAL.has(s.status) && waitsOnHuman(s);
  if (waiting && s.waitingSince === undefined) s.waitingSince = now;
  if (!waiting && s.waitingSince !== undefined) {
    s.waitedMs = (s.waitedMs ?? 0) + Math.max(0, Date.parse(now) - Date.parse(s.waitingSince));
    delete s.waitingSince;
  }
}

type BudgetView = Pick<RunState, "usage" | "createdAt"> & Partial<Pick<RunState, "waitedMs" | "waitingSince">>;

/** What a run has used of each budget limit by `now`; elapsed time leaves out waits on a human. */
export function budgetUse(s: BudgetView, now: string): { costUsd: number; tokens: number; elapsedMs: number } {
  const u = s.usage;
  const nowMs = Date.parse(now);
  const waited = (s.waitedMs ?? 0) + (s.waitingSince !== undefined ? Math.max(0, nowMs - Date.parse(s.waitingSince)) : 0);
  return { costUsd: u.costUsd, tokens: u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens + u.unsettledTokens, elapsedMs: nowMs - Date.parse(s.createdAt) - waited };
}

/** The first limit of `budget` the run is already past, with the reason to give; none when within all. */
function budgetExcess(s: BudgetView, budget: RunOptions["budget"], now: string): { kind: string; reason: string } | undefined {
  const { tokens, elapsedMs: elapsed } = budgetUse(s, now);
  if (s.usage.costUsd > budget.maxCostUsd) return { kind: "cost", reason: `cost budget exceeded: $${s.usage.costUsd.toFixed(4)} of $${budget.maxCostUsd}` };
  if (tokens > budget.maxTokens) return { kind: "tokens", reason: `token budget exceeded: ${tokens} of ${budget.maxTokens}` };
  if (elapsed > budget.maxWallClockMs) return { kind: "wallclock", reason: `wall-clock budget exceeded: ${Math.round(elapsed / 1000)}s of ${Math.round(budget.maxWallClockMs / 1000)}s` };
  return undefined;
}

/** `budget` with the fields a patch gives replaced. */
export function patchedBudget(budget: RunOptions["budget"], patch: BudgetPatch): RunOptions["budget"] {
  return { ...budget, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
}

function budgetText(b: RunOptions["budget"]): string {
  return `$${b.maxCostUsd}, ${b.maxTokens} tokens, ${Math.round(b.maxWallClockMs / 1000)}s`;
}

function checkBudget(d: Decisions, now: string): void {
  const over = budgetExcess(d.s, d.s.options.budget, now);
  if (over) onBudgetExceeded(d, over.kind, over.reason);
}

function control(d: Decisions, action: RunControl["payload"]["action"], comment?: string, budget?: BudgetPatch): void {
  const s = d.s;
  if (TERMINAL.has(s.status)) return;
  switch (action) {
    case "pause":
      if (s.status === "paused") return;
      s.pausedFrom = s.waitingFor;
      d.transition("paused", "pause", comment ?? "paused by operator");
      return;
    case "resume": {
      // A budget is applied whatever the status: the API takes one only for a paused run, so a
      // second arrives only from a race with the first, and every accepted one then counts, in order.
      // New objects: the previous state is never mutated (it may be a replica's cached copy).
      if (budget) s.options = { ...s.options, budget: patchedBudget(s.options.budget, budget) };
      if (s.status !== "paused") return;
      s.resumes++;
      const held = stillHeld(s, s.held);
      s.held = [];
      // Back to planning while the spec is not yet approved (or not yet written).
      const planning = !s.spec || s.waitingFor === "spec" || s.waitingFor === "spec_approval";
      const why = comment ?? "resumed by operator";
      d.transition(planning ? "planning" : "running", "resume", budget ? `${why}; budget now ${budgetText(s.options.budget)}` : why);
      d.out.push(...held);
      delete s.pausedFrom;
      return;
    }
    case "cancel":
      s.waitingFor = "nothing";
      d.transition("cancelled", "cancel", comment ?? "cancelled by operator");
      return;
    case "revise_spec":
      // Only while the spec waits for a human: a new version replaces it, and waits again.
      if (s.waitingFor !== "spec_approval" || s.status === "paused" || !comment) return;
      planWork(d, { comments: comment });
      return;
    case "revise_contract": {
      // The human's comments are a change request: the generator proposes the next round, which the evaluator reviews again.
      const sprint = sprintOf(s);
      // The API refuses it on the last round (409): the evaluator's review of one more would fail the run.
      if (s.waitingFor !== "contract_approval" || s.status === "paused" || !comment || !sprint || sprint.contractRound >= s.options.maxContractRounds) return;
      sprint.reviews.push({ round: sprint.contractRound, review: { approved: false, changeRequests: [{ target: "contract", request: comment.slice(0, MAX_CHANGE_REQUEST) }], comments: "Changes requested by a human at the contract gate." }, by: "human" });
      sprint.contractRound++;
      contractWork(d, sprint);
      return;
    }
    case "approve": {
      // A paused run stays paused: approving is not resuming.
      if (s.status === "paused") return;
      const sprint = sprintOf(s);
      if (s.waitingFor === "spec_approval") {
        d.record("approve_spec", comment ?? "spec approved");
        startSprint(d, 1);
      } else if (s.waitingFor === "contract_approval" && sprint) {
        d.record("approve_contract", comment ?? `sprint ${sprint.number} contract approved`);
        startAttempt(d, sprint);
      }
      return;
    }
  }
}
