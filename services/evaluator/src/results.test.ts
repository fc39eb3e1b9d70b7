import { describe, expect, it } from "vitest";
import type { Check, CriterionResult } from "@harness/contracts";
import { coverAll, verdictOf } from "./results.js";

const result = (checkId: string, score: number, threshold: number, passed: boolean): CriterionResult => ({
  checkId, kind: "rubric", description: checkId, score, threshold, passed, evidence: [{ kind: "note", summary: "seen" }], feedback: "",
});

describe("results - the verdict is computed by code", () => {
  it("passes only when every criterion passed", () => {
    expect(verdictOf("core", [result("a", 8, 7, true), result("b", 9, 7, true)], undefined).passed).toBe(true);
    const v = verdictOf("core", [result("a", 8, 7, true), result("b", 3, 7, false)], "superb work, ship it");
    expect(v.passed).toBe(false);
    expect(v.summary).toBe("1 of 2 criteria failed: b");
    expect(v.judgeOpinion).toBe("superb work, ship it");
  });

  it("fails a verdict with no criteria at all", () => {
    expect(verdictOf("core", [], undefined)).toMatchObject({ passed: false, summary: "no checks ran" });
  });

  it("does not trust a passed flag that contradicts the score and threshold", () => {
    const v = verdictOf("core", [result("a", 4, 7, true)], undefined);
    expect(v.passed).toBe(false);
    expect(v.criteria[0]?.passed).toBe(false);
  });

  it("adds a failed result for every agreed check that produced none", () => {
    const checks = [
      { id: "unit", kind: "command", description: "tests", deliverableIds: [], command: "true", expectExitCode: 0, expectOutput: [], timeoutMs: 1_000 },
      { id: "looks", kind: "rubric", description: "design", deliverableIds: [], criterion: "visual design", guidance: "", threshold: 6 },
    ] satisfies Check[];
    const covered = coverAll(checks, [result("unit", 10, 10, true)], "the app did not start");
    expect(covered.map((c) => [c.checkId, c.passed, c.threshold, c.feedback])).toEqual([
      ["unit", true, 10, ""],
      ["looks", false, 6, "not run: the app did not start"],
    ]);
  });
});
