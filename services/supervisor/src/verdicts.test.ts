import { describe, expect, it } from "vitest";
import type { CriterionResult } from "@harness/contracts";
import { initialState, reduce } from "./reducer.js";
import { ART, contractFor, ev, options, SPEC, verdict } from "./test-fixtures.js";
import { judged } from "./verdicts.js";

const NOW = "2026-01-01T00:00:00.000Z";

function criterion(over: Partial<CriterionResult>): CriterionResult {
  return { checkId: "c1", kind: "command", description: "tests", score: 10, threshold: 10, passed: true, evidence: [], feedback: "passed", ...over };
}

describe("verdicts judged by the supervisor", () => {
  it("keeps a verdict whose criteria support its pass as it is", () => {
    const v = verdict(true);
    expect(judged(v, contractFor(1))).toBe(v);
  });

  it("fails a verdict that says passed with no criteria at all", () => {
    const v = { ...verdict(true, "style"), criteria: [] };
    const j = judged(v, contractFor(1));
    expect(j.passed).toBe(false);
    expect(j.summary).toMatch(/failed by the supervisor although the evaluator said passed: it has no criteria/);
  });

  it("fails a criterion marked passed under its threshold, and the verdict with it", () => {
    const v = { ...verdict(true, "style"), criteria: [criterion({ checkId: "looks", kind: "rubric", score: 4, threshold: 7 })] };
    const j = judged(v, contractFor(1));
    expect(j.passed).toBe(false);
    expect(j.criteria[0]).toMatchObject({ checkId: "looks", passed: false });
    expect(j.criteria[0]?.feedback).toMatch(/score 4 under its threshold 7/);
  });

  it("fails the built-in evaluator's verdict when an agreed check has no result, naming the check for the rework", () => {
    const contract = { ...contractFor(1), checks: [...contractFor(1).checks, { ...contractFor(1).checks[0]!, id: "c2", description: "lint passes" }] };
    const j = judged(verdict(true), contract);
    expect(j.passed).toBe(false);
    expect(j.criteria.map((c) => [c.checkId, c.passed])).toEqual([["c1", true], ["c2", false]]);
    expect(j.criteria[1]?.feedback).toMatch(/no result for this agreed check/);
  });

  it("does not ask a custom evaluator for results of the contract's checks: its criteria are its own", () => {
    const v = { ...verdict(true, "style"), criteria: [criterion({ checkId: "palette" })] };
    expect(judged(v, contractFor(1)).passed).toBe(true);
  });

  it("never lifts a verdict the evaluator failed", () => {
    const v = { ...verdict(true), passed: false };
    expect(judged(v, contractFor(1)).passed).toBe(false);
  });

  it("does not complete a run on a verdict that claims a pass its criteria refute", () => {
    const r = "run1";
    const opts = options({ maxAttemptsPerSprint: 1 });
    let s = initialState(r, "p", opts, NOW);
    for (const e of [
      ev(r, "run.requested", { prompt: "p", options: opts }), ev(r, "spec.produced", { spec: { ...SPEC, sprints: [SPEC.sprints[0]!] }, version: 1 }),
      ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1),
      ev(r, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" }, 1),
      ev(r, "build.produced", { artifact: ART, files: [], notes: "" }, 1, 1),
      ev(r, "verdict.produced", { verdict: { ...verdict(true), criteria: [criterion({ score: 0 })] } }, 1, 1),
    ]) s = reduce(s, e, NOW).state;
    expect(s.status).toBe("failed");
    expect(s.sprints[0]?.attempts[0]?.verdicts["core"]?.passed).toBe(false);
  });
});
