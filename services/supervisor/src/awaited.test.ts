import { describe, expect, it } from "vitest";
import { PlanRequested, type OutboxItem, type RunState } from "@harness/contracts";
import { initialState, reduce } from "./reducer.js";
import { ART, contractFor, deepFrozen, ev, finalPass, options, SPEC, verdict } from "./test-fixtures.js";
import { reduceWatchdog, watchdogAction } from "./watchdog-rules.js";

const T0 = "2026-01-01T00:00:00.000Z";
const MIN = 60_000;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const r = "run1";
const workTypes = (out: OutboxItem[]) => out.filter((o) => o.kind === "work").map((o) => o.message["type"]);
const review = (approved: boolean, round = 1) => ({ review: { approved, changeRequests: approved ? [] : [{ target: "D1", request: "prove it" }], comments: "" }, round, evaluator: "core" });

function fold(s: RunState, now: string, ...events: ReturnType<typeof ev>[]): { s: RunState; out: OutboxItem[] } {
  let out: OutboxItem[] = [];
  for (const e of events) ({ state: s, outbox: out } = reduce(deepFrozen(s), e, now));
  return { s, out };
}

function at1(opts = options(), ...events: ReturnType<typeof ev>[]): RunState {
  const start = fold(initialState(r, "p", opts, T0), T0, ev(r, "run.requested", { prompt: "p", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 })).s;
  return fold(start, T0, ...events).s;
}

const building = (opts = options()) => at1(opts, ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1), ev(r, "contract.reviewed", review(true), 1));
const failed = (work: string, sprint: number, attempt: number, ref: { evaluator?: string; round?: number; code?: string } = {}) =>
  ev(r, "work.failed", { role: "evaluator", work, reason: "gave up", ...ref }, sprint, attempt);

describe("which work a run still waits for", () => {
  it("ignores a failure of an evaluator whose verdict is in, and fails on one still awaited", () => {
    const opts = options({ evaluators: ["core", "style"] });
    let { s } = fold(building(opts), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1), ev(r, "verdict.produced", { verdict: verdict(true) }, 1, 1));
    ({ s } = fold(s, T0, failed("evaluation.requested", 1, 1, { evaluator: "core" })));
    expect(s.status).toBe("running");
    ({ s } = fold(s, T0, failed("evaluation.requested", 1, 1, { evaluator: "style" })));
    expect(s.status).toBe("failed");
  });

  it("ignores a failure of an earlier contract round", () => {
    let { s } = fold(at1(options(), ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1)), T0, ev(r, "contract.reviewed", review(false), 1), ev(r, "contract.proposed", { contract: contractFor(1), round: 2 }, 1));
    expect([s.waitingFor, s.sprints[0]?.contractRound]).toEqual(["review", 2]);
    ({ s } = fold(s, T0, failed("review.requested", 1, 0, { round: 1 })));
    expect(s.status).toBe("running");
    ({ s } = fold(s, T0, failed("review.requested", 1, 0, { round: 2 })));
    expect(s.status).toBe("failed");
  });

  it("lets progress cover a worker for two hours at most, so a hung handler is still found stalled", () => {
    const policy = { stallAfterMs: 15 * MIN };
    const beat = (ms: number) => ev(r, "work.progress", { role: "generator", work: "build.requested", elapsedMs: ms }, 1, 1);
    let { s } = fold(building(), at(118 * MIN), beat(118 * MIN));
    expect(watchdogAction(s, Date.parse(T0) + 130 * MIN, policy)).toBeUndefined();
    ({ s } = fold(s, at(122 * MIN), beat(122 * MIN)));
    expect(watchdogAction(s, Date.parse(T0) + 134 * MIN, policy)?.kind).toBe("redispatch");
  });
});

describe("held work on resume", () => {
  it("sends one build, not two, after a stall escalation and a model outage both held it", () => {
    const s0 = building();
    const action = watchdogAction(s0, Date.parse(T0) + 20 * MIN, { stallAfterMs: 15 * MIN })!;
    let s = reduceWatchdog(deepFrozen(s0), action, at(20 * MIN)).state;
    const escalate = watchdogAction(s, Date.parse(T0) + 40 * MIN, { stallAfterMs: 15 * MIN })!;
    s = reduceWatchdog(deepFrozen(s), escalate, at(40 * MIN)).state;
    expect(s.status).toBe("paused");
    ({ s } = fold(s, at(41 * MIN), failed("build.requested", 1, 1, { code: "MODEL_UNAVAILABLE" })));
    expect(s.held.map((o) => o.message["type"])).toEqual(["build.requested", "build.requested"]);
    const { out } = fold(s, at(42 * MIN), ev(r, "run.control", { action: "resume" }));
    expect(workTypes(out)).toEqual(["build.requested"]);
  });

  it("drops held work a result made stale while the run was paused", () => {
    const s0 = building();
    const first = watchdogAction(s0, Date.parse(T0) + 20 * MIN, { stallAfterMs: 15 * MIN })!;
    let s = reduceWatchdog(deepFrozen(s0), first, at(20 * MIN)).state;
    s = reduceWatchdog(deepFrozen(s), watchdogAction(s, Date.parse(T0) + 40 * MIN, { stallAfterMs: 15 * MIN })!, at(40 * MIN)).state;
    // The original build lands while paused: its evaluation is held with the now stale rebuild.
    ({ s } = fold(s, at(41 * MIN), ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1)));
    expect(s.held.map((o) => o.message["type"])).toEqual(["build.requested", "evaluation.requested"]);
    const { out } = fold(s, at(42 * MIN), ev(r, "run.control", { action: "resume" }));
    expect(workTypes(out)).toEqual(["evaluation.requested"]);
  });
});

describe("limits on what humans and replans send", () => {
  it("ignores a contract revision on the last round: the evaluator's review of one more would fail the run", () => {
    const gated = options({ gates: { approveSpec: false, approveContracts: true }, maxContractRounds: 1 });
    let { s } = fold(at1(gated, ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1)), T0, ev(r, "contract.reviewed", review(true), 1));
    expect(s.waitingFor).toBe("contract_approval");
    ({ s } = fold(s, T0, ev(r, "run.control", { action: "revise_contract", comment: "more checks" })));
    expect([s.waitingFor, s.status, s.sprints[0]?.contractRound]).toEqual(["contract_approval", "running", 1]);
  });

  it("cuts a replan's failure list to what plan work and the state hold", () => {
    const long = { ...verdict(false), criteria: Array.from({ length: 20 }, (_, i) => ({ ...verdict(false).criteria[0]!, checkId: `c${i}`, feedback: "x".repeat(9_000) })) };
    const { s, out } = fold(building(options({ maxAttemptsPerSprint: 1, maxReplans: 1 })), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1), ev(r, "verdict.produced", { verdict: long }, 1, 1));
    const plan = out.find((o) => o.message["type"] === "plan.requested")!;
    expect(PlanRequested.safeParse(plan.message).success).toBe(true);
    expect(s.planComments?.length).toBe(20_000);
  });
});

describe("budget refusals and outages of one evaluator", () => {
  const refusal = (limit: number, sprint = 1, attempt = 1, evaluator?: string) =>
    ev(r, "budget.exceeded", { kind: "cost", limit, used: limit, detail: "the next call could cost $0.10", ...(evaluator ? { evaluator } : {}) }, sprint, attempt);
  const usage = (costUsd: number) => ev(r, "usage.recorded", { callId: `c${costUsd}`, role: "generator", model: "m", usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd });

  it("holds the refused work of a run already paused on its budget, and sends it on resume", () => {
    let { s } = fold(building(options({ onBudgetExceeded: "pause", budget: { maxCostUsd: 1, maxTokens: 1_000_000, maxWallClockMs: 6 * 60 * MIN } })), T0, usage(1.2));
    expect([s.status, s.held.length]).toEqual(["paused", 0]);
    ({ s } = fold(s, T0, refusal(1)));
    expect(s.held.map((o) => o.message["type"])).toEqual(["build.requested"]);
    const { out } = fold(s, T0, ev(r, "run.control", { action: "resume", budget: { maxCostUsd: 5 } }));
    expect(workTypes(out)).toEqual(["build.requested"]);
  });

  it("sends work refused against a limit a resume has raised since again, without pausing", () => {
    const { s } = fold(building(options({ onBudgetExceeded: "pause", budget: { maxCostUsd: 1, maxTokens: 1_000_000, maxWallClockMs: 6 * 60 * MIN } })), T0, usage(1.2), ev(r, "run.control", { action: "resume", budget: { maxCostUsd: 5 } }));
    expect(s.status).toBe("running");
    const late = fold(s, T0, refusal(1));
    expect(late.s.status).toBe("running");
    expect(workTypes(late.out)).toEqual(["build.requested"]);
  });

  it("holds only the evaluation of the evaluator whose model stayed down; the other's may still be running", () => {
    const opts = options({ evaluators: ["core", "style"] });
    let { s } = fold(building(opts), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1));
    ({ s } = fold(s, T0, failed("evaluation.requested", 1, 1, { evaluator: "style", code: "MODEL_UNAVAILABLE" })));
    expect(s.held.map((o) => o.evaluator)).toEqual(["style"]);
    // Both held (a stall escalation holds every evaluation still missing): resume sends each once.
    const twice = { ...s, held: [...s.held, ...fold(s, T0, failed("evaluation.requested", 1, 1, { evaluator: "core", code: "MODEL_UNAVAILABLE" })).s.held] };
    const { out } = fold(twice, T0, ev(r, "run.control", { action: "resume" }));
    expect(out.filter((o) => o.kind === "work").map((o) => o.evaluator).sort()).toEqual(["core", "style"]);
  });

  it("drops held work when the run ends", () => {
    const opts = options();
    const oneSprint = { ...SPEC, sprints: [SPEC.sprints[0]!] };
    let s = fold(initialState(r, "p", opts, T0), T0, ev(r, "run.requested", { prompt: "p", options: opts }), ev(r, "spec.produced", { spec: oneSprint, version: 1 }),
      ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1), ev(r, "contract.reviewed", review(true), 1), ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1), ev(r, "run.control", { action: "pause" })).s;
    ({ s } = fold(s, T0, failed("evaluation.requested", 1, 1, { evaluator: "core", code: "MODEL_UNAVAILABLE" })));
    expect(s.held).toHaveLength(1);
    // The twin of the failed evaluation passes while paused: the final acceptance is held...
    ({ s } = fold(s, T0, ev(r, "verdict.produced", { verdict: verdict(true) }, 1, 1)));
    expect(s.held.map((o) => [o.message["type"], o.message["sprint"]])).toContainEqual(["evaluation.requested", 0]);
    // ...and when its verdict comes anyway, the run completes with nothing left to resume.
    ({ s } = fold(s, T0, finalPass(r, 1)));
    expect([s.status, s.held]).toEqual(["completed", []]);
  });

  it("gives an evaluation its checks' time limits on top of the progress cover", () => {
    const long = { ...contractFor(1), checks: [{ ...contractFor(1).checks[0]!, timeoutMs: 30 * MIN }, { ...contractFor(1).checks[0]!, id: "c2", timeoutMs: 30 * MIN }] };
    let s = at1(options(), ev(r, "contract.proposed", { contract: long, round: 1 }, 1), ev(r, "contract.reviewed", review(true), 1));
    ({ s } = fold(s, T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1)));
    const beat = (ms: number) => ev(r, "work.progress", { role: "evaluator", work: "evaluation.requested", evaluator: "core", elapsedMs: ms }, 1, 1);
    ({ s } = fold(s, at(170 * MIN), beat(170 * MIN)));
    expect(s.updatedAt).toBe(at(170 * MIN));
    ({ s } = fold(s, at(182 * MIN), beat(182 * MIN)));
    expect(s.updatedAt).toBe(at(170 * MIN));
  });
});

