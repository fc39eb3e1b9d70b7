import { describe, expect, it } from "vitest";
import type { CriterionResult, OutboxItem, RunState, SprintContract, Verdict } from "@harness/contracts";
import { initialState, reduce } from "./reducer.js";
import { acceptSprint } from "./regression.js";
import { ART, contractFor, deepFrozen, ev, options, SPEC, verdict } from "./test-fixtures.js";

const NOW = "2026-01-01T00:00:00.000Z";
const r = "run1";
const approved = { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" };

function drive(s: RunState, ...events: ReturnType<typeof ev>[]): { s: RunState; out: OutboxItem[] } {
  let out: OutboxItem[] = [];
  for (const e of events) ({ state: s, outbox: out } = reduce(deepFrozen(s), e, NOW));
  return { s, out };
}

const work = (out: OutboxItem[], type: string) => out.find((o) => o.message["type"] === type)?.message["payload"] as Record<string, unknown> | undefined;

/** Sprint 1 with a command check, a rubric check and an http check, so only the deterministic ones are accepted. */
function sprintOneContract(): SprintContract {
  const c = contractFor(1);
  return {
    ...c,
    app: { startCommand: "node server.js", port: 3000, readinessPath: "/", readinessTimeoutMs: 30_000 },
    checks: [
      ...c.checks,
      { id: "looks", kind: "rubric", description: "looks fine", criterion: "design", guidance: "", threshold: 6, deliverableIds: ["D1"] },
      { id: "api", kind: "http", description: "counts", method: "POST", path: "/inc", headers: {}, expectStatus: 200, expectHeaders: {}, expectBodyContains: ["1"], expectBodyNotContains: [], expectBody: [], expectJson: {}, json: [], capture: {}, then: [], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
    ],
  };
}

const passedOne: Verdict = {
  ...verdict(true),
  criteria: [...verdict(true).criteria, ...["looks", "api"].map((id) => ({ ...verdict(true).criteria[0]!, checkId: id }))],
};

function atSprintTwoBuild(contract2: SprintContract = contractFor(2), opts = options({ maxAttemptsPerSprint: 2 })) {
  let { s } = drive(initialState(r, "a counter", opts, NOW), ev(r, "run.requested", { prompt: "a counter", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
  ({ s } = drive(s, ev(r, "contract.proposed", { contract: sprintOneContract(), round: 1 }, 1), ev(r, "contract.reviewed", approved, 1), ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1), ev(r, "verdict.produced", { verdict: passedOne }, 1, 1)));
  let out: OutboxItem[];
  ({ s, out } = drive(s, ev(r, "contract.proposed", { contract: contract2, round: 1 }, 2)));
  const review = work(out, "review.requested");
  ({ s } = drive(s, ev(r, "contract.reviewed", approved, 2)));
  ({ s, out } = drive(s, ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 2, 1)));
  return { s, out, review };
}

const regressionResult = (checkId: string, passed: boolean): CriterionResult => ({
  checkId: `s1:${checkId}`, kind: "regression", origin: { sprint: 1, checkId }, description: "re-run", score: passed ? 10 : 0, threshold: 10, passed,
  evidence: [{ kind: "output", summary: passed ? "ok" : "exit 1" }], feedback: passed ? "passed" : `sprint 1's accepted check ${checkId} fails on this build`,
});

describe("supervisor - regression of earlier accepted sprints", () => {
  it("sends every later evaluation the accepted sprints' deterministic checks, and the review what it may retire", () => {
    const { s, out, review } = atSprintTwoBuild();
    const regression = work(out, "evaluation.requested")?.["regression"] as Array<{ sprint: number; checks: Array<{ id: string }>; app?: unknown }>;
    expect(regression.map((set) => [set.sprint, set.checks.map((c) => c.id)])).toEqual([[1, ["c1", "api"]]]);
    expect(regression[0]!.app).toEqual(sprintOneContract().app);
    expect((review?.["accepted"] as unknown[]).length).toBe(1);
    expect(s.accepted.map((set) => set.sprint)).toEqual([1]);
  });

  it("fails a core verdict that left an earlier accepted check unreported, naming it", () => {
    let { s } = atSprintTwoBuild();
    ({ s } = drive(s, ev(r, "verdict.produced", { verdict: verdict(true) }, 2, 1)));
    const judged = s.sprints[1]!.attempts[0]!.verdicts["core"]!;
    expect(judged.passed).toBe(false);
    expect(judged.summary).toContain("no result for s1:c1, s1:api");
    expect(judged.criteria.find((c) => c.checkId === "s1:api")).toMatchObject({ kind: "regression", origin: { sprint: 1, checkId: "api" }, criterionIds: ["F1.1"], passed: false });
  });

  it("fails the sprint on a broken earlier check and gives it to the generator's rework as feedback", () => {
    const { s: building } = atSprintTwoBuild();
    const broken = { ...verdict(true), passed: false, criteria: [...verdict(true).criteria, regressionResult("c1", true), regressionResult("api", false)] };
    const { s, out } = drive(building, ev(r, "verdict.produced", { verdict: broken }, 2, 1));
    expect(s.sprints[1]!.attempts[0]!.status).toBe("failed");
    const feedback = work(out, "build.requested")?.["feedback"] as Verdict[];
    expect(feedback[0]!.criteria.filter((c) => !c.passed).map((c) => [c.checkId, c.origin])).toEqual([["s1:api", { sprint: 1, checkId: "api" }]]);
  });

  it("stops re-running a check a later contract retired, and records the retirement once that sprint is accepted", () => {
    const retiring = { ...contractFor(2), retire: [{ sprint: 1, checkId: "api", reason: "POST /inc became POST /counter in sprint 2" }] };
    const { s: building, out } = atSprintTwoBuild(retiring);
    const regression = work(out, "evaluation.requested")?.["regression"] as Array<{ checks: Array<{ id: string }> }>;
    expect(regression[0]!.checks.map((c) => c.id)).toEqual(["c1"]);
    const ok = { ...verdict(true), criteria: [...verdict(true).criteria, regressionResult("c1", true)] };
    const { s } = drive(building, ev(r, "verdict.produced", { verdict: ok }, 2, 1));
    expect(s.sprints[1]!.status).toBe("passed");
    expect(s.retired).toEqual([{ sprint: 1, checkId: "api", reason: "POST /inc became POST /counter in sprint 2", by: 2 }]);
    expect(s.accepted.map((set) => [set.sprint, set.checks.map((c) => c.id)])).toEqual([[1, ["c1"]], [2, ["c1"]]]);
  });

  it("adds the reproduction of an exploratory finding confirmed in a failed attempt to that sprint's regression set, once", () => {
    const { s } = atSprintTwoBuild();
    const reproduction = { id: "c1", kind: "http", description: "a deleted item stays gone", method: "DELETE", path: "/items/1", headers: {}, expectStatus: 204, expectHeaders: {}, expectBodyContains: [], expectBodyNotContains: [], expectBody: [], expectJson: {}, json: [], capture: {}, then: [], deliverableIds: [] };
    const finding = { checkId: "explore-1", kind: "exploratory", description: "delete is display-only", score: 0, threshold: 10, passed: false, evidence: [], feedback: "the item is back after reload", reproduction } as CriterionResult;
    const unconfirmed = { ...finding, checkId: "explore-2", passed: true, score: 10, reproduction: { ...reproduction, id: "not-reproduced", path: "/items/2" } } as CriterionResult;
    const failed = (criteria: CriterionResult[]) => ({ core: { ...verdict(false), criteria: [...verdict(false).criteria, ...criteria] } });
    const sprint = {
      ...s.sprints[1]!, status: "passed" as const,
      attempts: [
        { attempt: 1, status: "failed" as const, verdicts: failed([finding, unconfirmed]) },
        { attempt: 2, status: "failed" as const, verdicts: failed([{ ...finding, checkId: "explore-3" } as CriterionResult]) },
        { attempt: 3, status: "passed" as const, verdicts: { core: verdict(true) } },
      ],
    };
    const next = { ...s };
    acceptSprint(next, sprint);
    const set = next.accepted.find((x) => x.sprint === 2)!;
    // Its id clashed with the contract's c1: it gets a suffix; found twice, it is kept once; not confirmed, it is not kept.
    expect(set.checks.map((c) => [c.id, c.kind])).toEqual([["c1", "command"], ["c1-2", "http"]]);
  });
});
