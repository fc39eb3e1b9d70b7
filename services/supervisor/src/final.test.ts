import { describe, expect, it } from "vitest";
import type { OutboxItem, RunState, SprintContract, Verdict } from "@harness/contracts";
import { initialState, reduce } from "./reducer.js";
import { Decisions, redispatch } from "./steps.js";
import { ART, contractFor, deepFrozen, ev, finalPass, options, SPEC, verdict } from "./test-fixtures.js";

const NOW = "2026-01-01T00:00:00.000Z";
const r = "run1";
const approved = { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" };
const ART2 = { ...ART, name: `sha256-${"b".repeat(64)}`, digest: "b".repeat(64) };

function drive(s: RunState, ...events: ReturnType<typeof ev>[]): { s: RunState; out: OutboxItem[] } {
  let out: OutboxItem[] = [];
  for (const e of events) ({ state: s, outbox: out } = reduce(deepFrozen(s), e, NOW));
  return { s, out };
}

const works = (out: OutboxItem[]) => out.filter((o) => o.kind === "work").map((o) => ({ type: o.message["type"], sprint: o.message["sprint"], attempt: o.message["attempt"], evaluator: o.evaluator, payload: o.message["payload"] as Record<string, unknown> }));

/** Sprint 2's contract with a rubric check besides c1: the final acceptance re-runs only c1. */
function lastContract(): SprintContract {
  return { ...contractFor(2), checks: [...contractFor(2).checks, { id: "looks", kind: "rubric", description: "design", criterion: "design", guidance: "", threshold: 6, deliverableIds: ["D1"] }] };
}

/** Both sprints passed; the run waits for the final acceptance's verdicts. */
function atFinal(opts = options()) {
  let { s } = drive(initialState(r, "a counter", opts, NOW), ev(r, "run.requested", { prompt: "a counter", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
  for (const n of [1, 2]) {
    ({ s } = drive(s, ev(r, "contract.proposed", { contract: n === 2 ? lastContract() : contractFor(n), round: 1 }, n), ev(r, "contract.reviewed", approved, n), ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, n, 1)));
    for (const evaluator of opts.evaluators) {
      const v = verdict(true, evaluator, evaluator === "core" && n === 2 ? [1] : []);
      ({ s } = drive(s, ev(r, "verdict.produced", { verdict: n === 2 && evaluator === "core" ? { ...v, criteria: [...v.criteria, { ...v.criteria[0]!, checkId: "looks", kind: "rubric", threshold: 6 }] } : v }, n, 1)));
    }
  }
  return s;
}

const failing = (): Verdict => ({ ...verdict(true, "core", [1]), passed: false, criteria: [verdict(false).criteria[0]!, ...verdict(true, "core", [1]).criteria.slice(1)] });

describe("supervisor - final acceptance of the whole product", () => {
  it("completes a run only after its final acceptance: every accepted check, the whole spec, the last build", () => {
    const waiting = atFinal();
    expect([waiting.status, waiting.waitingFor, waiting.final?.status]).toEqual(["running", "verdicts", "evaluating"]);
    // The work the last sprint's verdict decided, issued again as a stall would.
    const d = new Decisions(waiting, "cause", NOW);
    redispatch(d);
    const [work, ...more] = works(d.out);
    expect(more).toEqual([]);
    expect([work!.type, work!.sprint, work!.attempt, work!.payload["scope"]]).toEqual(["evaluation.requested", 0, 1, "final"]);
    expect((work!.payload["specExcerpt"] as { features: unknown[] }).features).toHaveLength(SPEC.features.length);
    expect((work!.payload["contract"] as SprintContract).checks.map((c) => c.id)).toEqual(["c1"]);
    expect((work!.payload["regression"] as Array<{ sprint: number }>).map((set) => set.sprint)).toEqual([1]);
    expect(work!.payload["artifact"]).toEqual(ART);

    const { s } = drive(waiting, finalPass(r, 2));
    expect([s.status, s.final?.status, s.reason]).toEqual(["completed", "passed", "all 2 sprints passed and the final acceptance of the whole product passed"]);
  });

  it("fails a final verdict that left an accepted check unreported", () => {
    const { s } = drive(atFinal(), ev(r, "verdict.produced", { verdict: verdict(true) }, 0, 1));
    expect(s.final?.attempts[0]?.verdicts["core"]?.summary).toContain("no result for s1:c1");
  });

  it("reworks a failed final acceptance with its verdict as feedback, then accepts the rework's build", () => {
    let { s, out } = drive(atFinal(), ev(r, "verdict.produced", { verdict: failing() }, 0, 1));
    expect([s.status, s.final?.status, s.waitingFor]).toEqual(["running", "building", "build"]);
    const [build] = works(out);
    expect([build!.type, build!.sprint, build!.attempt]).toEqual(["build.requested", 0, 2]);
    expect((build!.payload["feedback"] as Verdict[]).map((v) => v.criteria.filter((c) => !c.passed).map((c) => c.checkId))).toEqual([["c1"]]);
    expect(build!.payload["base"]).toEqual(ART);

    ({ s, out } = drive(s, ev(r, "build.produced", { artifact: ART2, files: [], notes: "" }, 0, 2)));
    expect(works(out).map((w) => [w.type, w.sprint, w.attempt, (w.payload["artifact"] as typeof ART).name])).toEqual([["evaluation.requested", 0, 2, ART2.name]]);
    // A late verdict of the first final attempt changes nothing.
    ({ s } = drive(s, finalPass(r, 2, "core", 1)));
    expect(s.status).toBe("running");
    ({ s } = drive(s, finalPass(r, 2, "core", 2)));
    expect([s.status, s.lastArtifact?.name]).toEqual(["completed", ART2.name]);
  });

  it("fails the run once the final acceptance failed finalAttempts times", () => {
    let { s } = drive(atFinal(options({ finalAttempts: 2 })), ev(r, "verdict.produced", { verdict: failing() }, 0, 1), ev(r, "build.produced", { artifact: ART2, files: [], notes: "" }, 0, 2));
    ({ s } = drive(s, ev(r, "verdict.produced", { verdict: failing() }, 0, 2)));
    expect([s.status, s.final?.status]).toEqual(["failed", "failed"]);
    expect(s.reason).toBe("final acceptance failed 2 times; last failures: c1");
  });

  it("asks every gating evaluator, custom ones too, and completes only when all pass", () => {
    const opts = options({ evaluators: ["core", "readme"] });
    const waiting = atFinal(opts);
    const d = new Decisions(waiting, "cause", NOW);
    redispatch(d);
    expect(works(d.out).map((w) => [w.evaluator, w.sprint])).toEqual([["core", 0], ["readme", 0]]);
    const { s } = drive(waiting, finalPass(r, 2));
    expect(s.status).toBe("running");
    const { out } = drive(s, ev(r, "verdict.produced", { verdict: verdict(false, "readme") }, 0, 1));
    expect(works(out).map((w) => [w.type, w.attempt])).toEqual([["build.requested", 2]]);
  });

  it("charges the model calls of its work to the final acceptance's cost as well as the run's", () => {
    const usage = { callId: "c", role: "evaluator", model: "m", usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0.25 };
    const before = atFinal();
    const { s } = drive(before, ev(r, "usage.recorded", usage, 0, 1), ev(r, "usage.recorded", { ...usage, callId: "d" }, 2, 1));
    expect([s.final?.costUsd, s.final?.calls]).toEqual([0.25, 1]);
    expect(s.usage.costUsd).toBeCloseTo(before.usage.costUsd + 0.5);
  });
});
