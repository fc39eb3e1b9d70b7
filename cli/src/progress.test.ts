import { describe, expect, it } from "vitest";
import { judgeVerdict, progressBar, SprintProgress, verdictCounts } from "./progress.js";

const result = (checkId: string, passed: boolean, score = passed ? 10 : 0, threshold = 10) => ({ checkId, kind: "command", passed, score, threshold, feedback: `${checkId} feedback` });

describe("follow progress - what run --follow prints about verdicts and sprints", () => {
  it("counts passed and failed results truthfully: two results flagged passed under their thresholds read 0/2 and FAIL", () => {
    const flagged = { evaluator: "readme", passed: true, criteria: [result("a", true, 0), result("b", true, 3, 7)] };
    const j = judgeVerdict(flagged);
    expect(verdictCounts(j)).toBe("FAIL 0/2 passed, 2 failed");
    expect(j.failed.map((f) => f.checkId)).toEqual(["a", "b"]);
    expect(j.failed[1]!.feedback).toBe("marked passed with score 3 under its threshold 7");
  });

  it("says how many of a verdict's results passed and how many failed", () => {
    expect(verdictCounts(judgeVerdict({ evaluator: "core", passed: false, criteria: [result("a", true), result("b", false), result("c", false)] }))).toBe("FAIL 1/3 passed, 2 failed");
    expect(verdictCounts(judgeVerdict({ evaluator: "core", passed: true, criteria: [result("a", true), result("b", true)] }))).toBe("PASS 2/2 passed");
  });

  it("fails a core verdict that leaves an agreed check without a result, and a verdict with no results at all", () => {
    const j = judgeVerdict({ evaluator: "core", passed: true, criteria: [result("a", true)] }, ["a", "b"]);
    expect(verdictCounts(j)).toBe("FAIL 1/2 passed, 1 failed");
    expect(j.failed).toEqual([{ checkId: "b", feedback: "not run: the evaluator sent no result for this agreed check" }]);
    // Another evaluator judges what it likes: the contract's checks are core's to report.
    expect(verdictCounts(judgeVerdict({ evaluator: "readme", passed: true, criteria: [result("x", true)] }, ["a", "b"]))).toBe("PASS 1/1 passed");
    expect(verdictCounts(judgeVerdict({ evaluator: "core", passed: true, criteria: [] }))).toBe("FAIL 0/0 passed");
  });

  it("counts a sprint as passed only when every gating evaluator passed the same attempt, once", () => {
    const p = new SprintProgress(["core", "readme"]);
    expect(p.record(1, 1, "core", true)).toBe(false);
    expect(p.record(1, 1, "readme", false)).toBe(false);
    // Attempt 2: core's pass alone does not pass the sprint, though core passed attempt 1 too.
    expect(p.record(1, 2, "core", true)).toBe(false);
    expect(p.passed).toBe(0);
    expect(p.record(1, 2, "readme", true)).toBe(true);
    expect(p.passed).toBe(1);
    // A late duplicate, and the final acceptance (sprint 0), change nothing.
    expect(p.record(1, 2, "readme", true)).toBe(false);
    expect(p.record(0, 1, "core", true)).toBe(false);
    expect(progressBar(p.passed, 2, 10)).toBe("[#####-----] 1/2 sprints passed");
  });
});
