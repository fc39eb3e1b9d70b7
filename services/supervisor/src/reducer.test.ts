import { describe, expect, it } from "vitest";
import type { OutboxItem, RunState } from "@harness/contracts";
import { initialState, reduce } from "./reducer.js";
import { ART, contractFor, deepFrozen, ev, finalPass, options, SPEC, verdict } from "./test-fixtures.js";

const NOW = "2026-01-01T00:00:00.000Z";
const workTypes = (out: OutboxItem[]) => out.filter((o) => o.kind === "work").map((o) => o.message["type"]);

/** Every state is frozen before it is folded: reduce must never write to the state it starts from. */
function drive(s: RunState, ...events: ReturnType<typeof ev>[]): { s: RunState; out: OutboxItem[] } {
  let out: OutboxItem[] = [];
  for (const e of events) ({ state: s, outbox: out } = reduce(deepFrozen(s), e, NOW));
  return { s, out };
}

function throughSprintOneBuild(opts = options()) {
  const r = "run1";
  let { s } = drive(initialState(r, "a counter", opts, NOW), ev(r, "run.requested", { prompt: "a counter", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
  ({ s } = drive(s, ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1)));
  return drive(s, ev(r, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" }, 1));
}

describe("supervisor reducer", () => {
  it("walks a run from request to completion, dispatching each step's work", () => {
    const r = "run1";
    let { s, out } = drive(initialState(r, "a counter", options(), NOW), ev(r, "run.requested", { prompt: "a counter", options: options() }));
    expect(s.status).toBe("planning");
    expect(workTypes(out)).toEqual(["plan.requested"]);
    ({ s, out } = drive(s, ev(r, "spec.produced", { spec: SPEC, version: 1 })));
    expect(s.status).toBe("running");
    expect(workTypes(out)).toEqual(["contract.requested"]);
    for (const n of [1, 2]) {
      ({ s, out } = drive(s, ev(r, "contract.proposed", { contract: contractFor(n), round: 1 }, n)));
      expect(workTypes(out)).toEqual(["review.requested"]);
      ({ s, out } = drive(s, ev(r, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" }, n)));
      expect(workTypes(out)).toEqual(["build.requested"]);
      ({ s, out } = drive(s, ev(r, "build.produced", { artifact: ART, files: ["a.js"], notes: "secret notes" }, n, 1)));
      expect(workTypes(out)).toEqual(["evaluation.requested"]);
      expect(JSON.stringify(out)).not.toContain("secret notes");
      ({ s, out } = drive(s, ev(r, "verdict.produced", { verdict: verdict(true, "core", n === 2 ? [1] : []) }, n, 1)));
    }
    // Every sprint passed: the whole product's final acceptance comes before completion.
    expect(s.status).toBe("running");
    expect(out.filter((o) => o.kind === "work").map((o) => [o.message["type"], o.message["sprint"], (o.message["payload"] as { scope: string }).scope])).toEqual([["evaluation.requested", 0, "final"]]);
    ({ s, out } = drive(s, finalPass(r, 2)));
    expect(s.status).toBe("completed");
    expect(workTypes(out)).toEqual([]);
    expect(out.map((o) => o.message["type"])).toEqual(["run.transition"]);
  });

  it("charges a usage event to the run and remembers its id so the fold can skip a redelivery", () => {
    const r = "run1";
    const usage = ev(r, "usage.recorded", { callId: "c1", role: "planner", model: "m", usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0.5 });
    const start = initialState(r, "p", options(), NOW);
    // The fold skips applied ids before reducing; the reducer records them.
    const once = reduce(start, usage, NOW).state;
    expect(once.applied).toContain(usage.id);
    expect(once.usage.costUsd).toBe(0.5);
    expect(once.usage.calls).toBe(1);
  });

  it("reworks a failed attempt with the verdict as feedback and the previous notes, then fails at max attempts", () => {
    const r = "run1";
    let { s } = throughSprintOneBuild(options({ maxAttemptsPerSprint: 2 }));
    let out: OutboxItem[];
    ({ s } = drive(s, ev(r, "build.produced", { artifact: ART, files: ["a.js"], notes: "try again with care" }, 1, 1)));
    ({ s, out } = drive(s, ev(r, "verdict.produced", { verdict: verdict(false) }, 1, 1)));
    const rework = out.find((o) => o.message["type"] === "build.requested")!;
    expect(rework.message["attempt"]).toBe(2);
    const payload = rework.message["payload"] as { feedback: unknown[]; previousNotes: string; base: unknown };
    expect(payload.feedback).toHaveLength(1);
    expect(payload.previousNotes).toBe("try again with care");
    expect(payload.base).toEqual(ART);
    ({ s } = drive(s, ev(r, "build.produced", { artifact: ART, files: ["a.js"], notes: "" }, 1, 2)));
    ({ s, out } = drive(s, ev(r, "verdict.produced", { verdict: verdict(false) }, 1, 2)));
    expect(s.status).toBe("failed");
    expect(s.reason).toMatch(/^max attempts/);
    expect(workTypes(out)).toEqual([]);
  });

  it("ignores a late verdict for an attempt that is no longer current", () => {
    const r = "run1";
    let { s } = throughSprintOneBuild();
    ({ s } = drive(s, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1)));
    const stale = drive(s, ev(r, "verdict.produced", { verdict: verdict(true) }, 1, 7));
    expect(stale.s.sprints[0]?.status).toBe("evaluating");
    expect(stale.out).toEqual([]);
  });

  it("waits for every gating evaluator and fails the sprint when any one fails", () => {
    const r = "run1";
    let { s } = throughSprintOneBuild(options({ evaluators: ["core", "a11y"], maxAttemptsPerSprint: 1 }));
    const built = drive(s, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1));
    s = built.s;
    expect(built.out.map((o) => o.evaluator)).toEqual(["core", "a11y"]);
    ({ s } = drive(s, ev(r, "verdict.produced", { verdict: verdict(true) }, 1, 1)));
    expect(s.status).toBe("running");
    ({ s } = drive(s, ev(r, "verdict.produced", { verdict: verdict(false, "a11y") }, 1, 1)));
    expect(s.status).toBe("failed");
  });

  it("sends change requests back and fails after the maximum contract rounds", () => {
    const r = "run1";
    const opts = options({ maxContractRounds: 2 });
    let { s } = drive(initialState(r, "p", opts, NOW), ev(r, "run.requested", { prompt: "p", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
    const reject = { review: { approved: false, changeRequests: [{ target: "D1", request: "prove it" }], comments: "" }, evaluator: "core" };
    ({ s } = drive(s, ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1)));
    const reviewed = drive(s, ev(r, "contract.reviewed", { ...reject, round: 1 }, 1));
    s = reviewed.s;
    const again = reviewed.out.find((o) => o.message["type"] === "contract.requested")!;
    expect((again.message["payload"] as { round: number; previous: { review: unknown } }).previous.review).toEqual(reject.review);
    ({ s } = drive(s, ev(r, "contract.proposed", { contract: contractFor(1), round: 2 }, 1)));
    ({ s } = drive(s, ev(r, "contract.reviewed", { ...reject, round: 2 }, 1)));
    expect(s.status).toBe("failed");
    expect(s.reason).toContain("no contract agreed");
  });

  it("pauses on an exceeded budget and re-issues the refused work on resume", () => {
    const r = "run1";
    let { s } = throughSprintOneBuild(options({ onBudgetExceeded: "pause" }));
    let out: OutboxItem[];
    // The refusal is real: the supervisor's own ledger has $49.99 charged of $50.
    ({ s } = drive(s, ev(r, "usage.recorded", { callId: "c1", role: "generator", model: "m", usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 49.99 }, 1, 1)));
    ({ s, out } = drive(s, ev(r, "budget.exceeded", { kind: "cost", limit: 50, used: 49.99, detail: "next call could cost $0.05" }, 1, 1)));
    expect(s.status).toBe("paused");
    expect(workTypes(out)).toEqual([]);
    expect(s.held).toHaveLength(1);
    ({ s, out } = drive(s, ev(r, "run.control", { action: "resume" }, 1)));
    expect(s.status).toBe("running");
    expect(workTypes(out)).toEqual(["build.requested"]);
  });

  it("takes a new budget with resume, replacing only the limits given; usage already past it pauses again", () => {
    const r = "run1";
    let { s } = throughSprintOneBuild(options({ onBudgetExceeded: "pause", budget: { maxCostUsd: 1, maxTokens: 1_000_000, maxWallClockMs: 3_600_000 } }));
    const usage = (costUsd: number) => ev(r, "usage.recorded", { callId: `c${costUsd}`, role: "generator", model: "m", usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd }, 1, 1);
    ({ s } = drive(s, usage(1.5)));
    expect(s.status).toBe("paused");
    const resumed = drive(s, ev(r, "run.control", { action: "resume", budget: { maxCostUsd: 5 } }, 1));
    s = resumed.s;
    expect(s.status).toBe("running");
    expect(s.options.budget).toEqual({ maxCostUsd: 5, maxTokens: 1_000_000, maxWallClockMs: 3_600_000 });
    expect(workTypes(resumed.out)).toEqual([]);
    // A second budget resume racing the first reaches a running run: its budget still counts.
    ({ s } = drive(s, ev(r, "run.control", { action: "resume", budget: { maxTokens: 2_000_000 } }, 1)));
    expect(s.status).toBe("running");
    expect(s.options.budget).toEqual({ maxCostUsd: 5, maxTokens: 2_000_000, maxWallClockMs: 3_600_000 });
    // Spending past the new limit pauses it as before.
    ({ s } = drive(s, usage(4)));
    expect(s.status).toBe("paused");
    expect(s.reason).toBe("cost budget exceeded: $5.5000 of $5");
    // A resume whose budget is still below the spend pauses again in the same step.
    ({ s } = drive(s, ev(r, "run.control", { action: "resume", budget: { maxCostUsd: 5.2 } }, 1)));
    expect(s.status).toBe("paused");
    expect(s.options.budget.maxCostUsd).toBe(5.2);
  });

  it("holds work decided while paused and cancels without dispatching anything", () => {
    const r = "run1";
    let { s } = throughSprintOneBuild();
    let out: OutboxItem[];
    ({ s } = drive(s, ev(r, "run.control", { action: "pause" }, 1)));
    ({ s, out } = drive(s, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1)));
    expect(workTypes(out)).toEqual([]);
    expect(s.held).toHaveLength(1);
    ({ s, out } = drive(s, ev(r, "run.control", { action: "cancel" }, 1)));
    expect(s.status).toBe("cancelled");
    expect(s.held).toEqual([]);
    expect(workTypes(out)).toEqual([]);
  });

  it("fails the run with the worker's reason when work cannot be done", () => {
    const r = "run1";
    const { s } = drive(initialState(r, "p", options(), NOW), ev(r, "run.requested", { prompt: "p", options: options() }), ev(r, "work.failed", { role: "planner", work: "plan.requested", reason: "spec invalid after 3 attempts" }));
    expect(s.status).toBe("failed");
    expect(s.reason).toContain("spec invalid after 3 attempts");
  });

  it("sends spec comments to the planner as a new version and builds from the version a person approves", () => {
    const r = "run1";
    const opts = options({ gates: { approveSpec: true, approveContracts: false } });
    let out: OutboxItem[];
    let { s } = drive(initialState(r, "p", opts, NOW), ev(r, "run.requested", { prompt: "p", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
    expect(s.waitingFor).toBe("spec_approval");
    ({ s, out } = drive(s, ev(r, "run.control", { action: "revise_spec", comment: "split reset into its own sprint" })));
    const plan = out.find((o) => o.message["type"] === "plan.requested")!;
    expect(plan.message["payload"]).toMatchObject({ version: 2, revision: { comments: "split reset into its own sprint", previousSpec: SPEC } });
    const v2 = { ...SPEC, title: "Tally 2" };
    ({ s } = drive(s, ev(r, "spec.produced", { spec: v2, version: 2 })));
    expect([s.specVersion, s.spec?.title, s.waitingFor]).toEqual([2, "Tally 2", "spec_approval"]);
    // Paused and resumed at the gate, the run is back to planning, still waiting for approval.
    expect(s.status).toBe("planning");
    ({ s } = drive(s, ev(r, "run.control", { action: "pause" }), ev(r, "run.control", { action: "resume" })));
    expect([s.status, s.waitingFor]).toEqual(["planning", "spec_approval"]);
    ({ out } = drive(s, ev(r, "run.control", { action: "approve" })));
    const contract = out.find((o) => o.message["type"] === "contract.requested")!;
    expect((contract.message["payload"] as { spec: { title: string } }).spec.title).toBe("Tally 2");
  });

  it("asks the planner to re-split the remaining sprints after a sprint fails all attempts, then continues", () => {
    const r = "run1";
    let { s } = throughSprintOneBuild(options({ maxAttemptsPerSprint: 1, maxReplans: 1 }));
    let out: OutboxItem[];
    ({ s } = drive(s, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1)));
    ({ s, out } = drive(s, ev(r, "verdict.produced", { verdict: verdict(false) }, 1, 1)));
    expect(s.status).toBe("running");
    const plan = out.find((o) => o.message["type"] === "plan.requested")!;
    expect(plan.message["payload"]).toMatchObject({ version: 2, replanFrom: 1 });
    expect(JSON.stringify(plan.message["payload"])).toContain("npm test failed");
    const resplit = { ...SPEC, sprints: [{ number: 1, goal: "count, smaller", featureIds: ["F1"] }, { number: 2, goal: "reset", featureIds: ["F2"] }] };
    ({ s, out } = drive(s, ev(r, "spec.produced", { spec: resplit, version: 2 })));
    expect(s.sprints[0]).toMatchObject({ number: 1, status: "contracting", attempts: [] });
    expect(out.map((o) => o.message["type"])).toContain("contract.requested");
    // The second failure of the same run has no replan left: the run fails.
    ({ s } = drive(s, ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1)));
    ({ s } = drive(s, ev(r, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" }, 1)));
    ({ s } = drive(s, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1)));
    ({ s } = drive(s, ev(r, "verdict.produced", { verdict: verdict(false) }, 1, 1)));
    expect(s.status).toBe("failed");
    expect(s.replans).toBe(1);
  });
});
