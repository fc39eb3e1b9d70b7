import { describe, expect, it } from "vitest";
import type { OutboxItem, RunState } from "@harness/contracts";
import { budgetUse, initialState, reduce } from "./reducer.js";
import { ART, contractFor, deepFrozen, ev, options, SPEC, verdict } from "./test-fixtures.js";
import { reduceWatchdog, watchdogAction } from "./watchdog-rules.js";

const T0 = "2026-01-01T00:00:00.000Z";
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const workTypes = (out: OutboxItem[]) => out.filter((o) => o.kind === "work").map((o) => o.message["type"]);
const approved = { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" };

/** Folds events at a given time; every state is frozen first, as the fold's cache needs. */
function fold(s: RunState, now: string, ...events: ReturnType<typeof ev>[]): { s: RunState; out: OutboxItem[] } {
  let out: OutboxItem[] = [];
  for (const e of events) ({ state: s, outbox: out } = reduce(deepFrozen(s), e, now));
  return { s, out };
}

function started(opts = options()): RunState {
  const r = "run1";
  return fold(initialState(r, "p", opts, T0), T0, ev(r, "run.requested", { prompt: "p", options: opts })).s;
}

function building(opts = options()): RunState {
  const r = "run1";
  return fold(started(opts), T0, ev(r, "spec.produced", { spec: SPEC, version: 1 }), ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1), ev(r, "contract.reviewed", approved, 1)).s;
}

describe("supervisor reducer: stale failures and model outages", () => {
  it("ignores a late failure of work the run no longer waits for", () => {
    const r = "run1";
    let { s } = fold(building(), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1), ev(r, "verdict.produced", { verdict: verdict(true) }, 1, 1));
    expect([s.currentSprint, s.waitingFor]).toEqual([2, "contract"]);
    // Sprint 1's build, re-dispatched after a stall, gave up later: sprint 2 goes on.
    ({ s } = fold(s, T0, ev(r, "work.failed", { role: "generator", work: "build.requested", reason: "gave up after 5 deliveries" }, 1, 1)));
    expect(s.status).toBe("running");
    // So does a failure of the right kind but an earlier sprint.
    ({ s } = fold(s, T0, ev(r, "work.failed", { role: "generator", work: "contract.requested", reason: "late" }, 1)));
    expect(s.status).toBe("running");
    // The work it does wait for still fails the run.
    ({ s } = fold(s, T0, ev(r, "work.failed", { role: "generator", work: "contract.requested", reason: "bad output" }, 2)));
    expect([s.status, s.reason]).toEqual(["failed", "generator could not complete contract.requested: bad output"]);
  });

  it("ignores a failure of an earlier attempt while a rework is being built", () => {
    const r = "run1";
    let { s } = fold(building(options({ maxAttemptsPerSprint: 2 })), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1), ev(r, "verdict.produced", { verdict: verdict(false) }, 1, 1));
    expect(s.waitingFor).toBe("build");
    ({ s } = fold(s, T0, ev(r, "work.failed", { role: "evaluator", work: "evaluation.requested", reason: "late" }, 1, 1), ev(r, "work.failed", { role: "generator", work: "build.requested", reason: "late" }, 1, 1)));
    expect(s.status).toBe("running");
  });

  it("pauses a run whose model stayed unavailable and issues the work again on resume", () => {
    const r = "run1";
    const { s } = fold(building(), T0, ev(r, "work.failed", { role: "generator", work: "build.requested", reason: "model endpoint unavailable (status 529)", code: "MODEL_UNAVAILABLE" }, 1, 1));
    expect([s.status, s.pausedFrom]).toEqual(["paused", "build"]);
    expect(s.reason).toMatch(/^the model stayed unavailable: generator could not complete build\.requested/);
    expect(s.held.map((o) => o.message["type"])).toEqual(["build.requested"]);
    const resumed = fold(s, T0, ev(r, "run.control", { action: "resume" }));
    expect(resumed.s.status).toBe("running");
    expect(workTypes(resumed.out)).toEqual(["build.requested"]);
  });
});

describe("supervisor reducer: an evaluation interrupted on every delivery", () => {
  it("pauses the run with the reason and holds the evaluation for a resume: no verdict, no failed attempt, no failed run", () => {
    const r = "run1";
    let { s } = fold(building(), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1));
    expect(s.waitingFor).toBe("verdicts");
    ({ s } = fold(s, T0, ev(r, "work.failed", { role: "evaluator", work: "evaluation.requested", evaluator: "core", reason: "the evaluator was interrupted on every delivery (5 of 5), so it reached no verdict on the product; last: evaluation interrupted: check h could not send GET /: the machine refused (EMFILE)", code: "EVAL_ERR_INTERRUPTED" }, 1, 1)));
    expect(s.status).toBe("paused");
    expect(s.reason).toMatch(/evaluator could not complete evaluation\.requested: the evaluator was interrupted on every delivery .*no verdict on the product was reached; resume once/);
    expect(s.sprints[0]?.attempts.map((a) => a.status)).toEqual(["evaluating"]);
    expect(s.held.map((o) => o.message["type"])).toEqual(["evaluation.requested"]);
    const resumed = fold(s, T0, ev(r, "run.control", { action: "resume" }));
    expect(resumed.s.status).toBe("running");
    expect(workTypes(resumed.out)).toEqual(["evaluation.requested"]);
  });
});

describe("supervisor reducer: a pause holds", () => {
  it("stays paused when the awaited verdict lands after the pause, holding the next sprint's work for the resume", () => {
    const r = "run1";
    let { s } = fold(building(), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1), ev(r, "run.control", { action: "pause" }));
    let out: OutboxItem[];
    ({ s, out } = fold(s, T0, ev(r, "verdict.produced", { verdict: verdict(true) }, 1, 1)));
    expect([s.status, s.currentSprint, s.waitingFor]).toEqual(["paused", 2, "contract"]);
    expect(workTypes(out)).toEqual([]);
    expect(s.held.map((o) => o.message["type"])).toEqual(["contract.requested"]);
    ({ s, out } = fold(s, T0, ev(r, "run.control", { action: "resume" })));
    expect(s.status).toBe("running");
    expect(workTypes(out)).toEqual(["contract.requested"]);
  });

  it("stays paused when the spec lands after a pause during planning", () => {
    const r = "run1";
    let { s } = fold(started(), T0, ev(r, "run.control", { action: "pause" }), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
    expect([s.status, s.waitingFor, s.held.length]).toEqual(["paused", "contract", 1]);
    ({ s } = fold(s, T0, ev(r, "run.control", { action: "resume" })));
    expect(s.status).toBe("running");
  });
});

describe("supervisor reducer: human gates", () => {
  const gated = options({ gates: { approveSpec: true, approveContracts: true } });

  it("keeps a paused run paused when it is approved, and records the approver's comment when it is not", () => {
    const r = "run1";
    let out: OutboxItem[];
    let { s } = fold(started(gated), T0, ev(r, "spec.produced", { spec: SPEC, version: 1 }), ev(r, "run.control", { action: "pause" }));
    ({ s, out } = fold(s, T0, ev(r, "run.control", { action: "approve" })));
    expect([s.status, s.waitingFor]).toEqual(["paused", "spec_approval"]);
    expect(out).toEqual([]);
    ({ s, out } = fold(s, T0, ev(r, "run.control", { action: "resume" }), ev(r, "run.control", { action: "approve", comment: "scope is right" })));
    expect([s.status, s.waitingFor]).toEqual(["running", "contract"]);
    expect(out.map((o) => o.message["payload"])).toContainEqual(expect.objectContaining({ decision: "approve_spec", reason: "scope is right" }));
  });

  it("sends a human's change request at the contract gate to the generator as the next round", () => {
    const r = "run1";
    let { s } = fold(started(gated), T0, ev(r, "spec.produced", { spec: SPEC, version: 1 }), ev(r, "run.control", { action: "approve" }), ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1), ev(r, "contract.reviewed", approved, 1));
    expect(s.waitingFor).toBe("contract_approval");
    const revised = fold(s, T0, ev(r, "run.control", { action: "revise_contract", comment: "add a check that reset clears the count" }));
    s = revised.s;
    expect([s.waitingFor, s.sprints[0]?.contractRound]).toEqual(["contract", 2]);
    expect(s.sprints[0]?.reviews.map((x) => [x.round, x.by])).toEqual([[1, "evaluator"], [1, "human"]]);
    const work = revised.out.find((o) => o.message["type"] === "contract.requested")!;
    expect(work.message["payload"]).toMatchObject({ round: 2, previous: { review: { approved: false, changeRequests: [{ request: "add a check that reset clears the count" }] } } });
    // The next proposal goes through the evaluator's review and the gate again.
    ({ s } = fold(s, T0, ev(r, "contract.proposed", { contract: contractFor(1), round: 2 }, 1), ev(r, "contract.reviewed", { ...approved, round: 2 }, 1)));
    expect(s.waitingFor).toBe("contract_approval");
  });

  it("sends the spec comments again when plan work is re-dispatched before the revised spec arrives", () => {
    const r = "run1";
    let { s } = fold(started(gated), T0, ev(r, "spec.produced", { spec: SPEC, version: 1 }), ev(r, "run.control", { action: "revise_spec", comment: "drop the export feature" }));
    expect(s.waitingFor).toBe("spec");
    const action = watchdogAction(s, Date.parse(T0) + HOUR, { stallAfterMs: 60_000 });
    expect(action?.kind).toBe("redispatch");
    const { outbox } = reduceWatchdog(deepFrozen(s), action!, at(HOUR));
    const plan = outbox.find((o) => o.message["type"] === "plan.requested")!;
    expect(plan.message["payload"]).toMatchObject({ version: 2, revision: { comments: "drop the export feature" } });
    // Once the revised spec is in, later plan work carries no stale comments.
    ({ s } = fold(s, T0, ev(r, "spec.produced", { spec: SPEC, version: 2 })));
    expect(s.planComments).toBeUndefined();
  });
});

describe("supervisor reducer: the wall clock counts working time only", () => {
  it("does not fail a run that waited at the spec gate longer than its whole wall-clock budget", () => {
    const r = "run1";
    let { s } = fold(started(options({ gates: { approveSpec: true, approveContracts: false }, onBudgetExceeded: "fail" })), at(HOUR), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
    // Overnight at the gate: the watchdog sees nothing late.
    expect(watchdogAction(s, Date.parse(T0) + 20 * HOUR, { stallAfterMs: 60_000 })).toBeUndefined();
    ({ s } = fold(s, at(20 * HOUR), ev(r, "run.control", { action: "approve" })));
    expect([s.status, s.waitingFor]).toEqual(["running", "contract"]);
    expect(budgetUse(s, at(20 * HOUR)).elapsedMs).toBe(HOUR);
  });

  it("does not count a pause, and still fails a run that works past its budget", () => {
    const r = "run1";
    let { s } = fold(building(options({ onBudgetExceeded: "fail" })), at(HOUR), ev(r, "run.control", { action: "pause" }));
    ({ s } = fold(s, at(10 * HOUR), ev(r, "run.control", { action: "resume" })));
    expect(s.status).toBe("running");
    expect(s.waitedMs).toBe(9 * HOUR);
    // 6 h budget: 1 h before the pause, 5 h 1 min after it.
    const late = Date.parse(T0) + 15 * HOUR + 60_000;
    const action = watchdogAction(s, late, { stallAfterMs: 100 * HOUR });
    expect(action?.kind).toBe("wallclock");
    ({ state: s } = reduceWatchdog(deepFrozen(s), action!, new Date(late).toISOString()));
    expect([s.status, s.reason]).toEqual(["failed", "wall-clock budget exceeded: 21660s of 21600s"]);
  });
});

describe("supervisor reducer: work that takes long", () => {
  it("keeps a run whose worker says it is still at the awaited work from looking stalled, but not on progress of superseded work", () => {
    const r = "run1";
    const policy = { stallAfterMs: 15 * 60_000 };
    let { s } = fold(building(), T0, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1));
    expect(s.waitingFor).toBe("verdicts");
    const progress = (attempt: number, elapsedMs: number) => ev(r, "work.progress", { role: "evaluator", work: "evaluation.requested", elapsedMs }, 1, attempt);
    // Twenty minutes of checks, a progress event every two: no stall.
    for (let min = 2; min <= 20; min += 2) ({ s } = fold(s, at(min * 60_000), progress(1, min * 60_000)));
    expect(watchdogAction(s, Date.parse(T0) + 21 * 60_000, policy)).toBeUndefined();
    expect(s.lastProgressAt).toBe(T0);
    // Progress of another attempt's evaluation says nothing about the one awaited.
    ({ s } = fold(s, at(34 * 60_000), progress(2, 34 * 60_000)));
    expect(watchdogAction(s, Date.parse(T0) + 36 * 60_000, policy)?.kind).toBe("redispatch");
  });
});
