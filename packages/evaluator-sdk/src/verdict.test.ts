import { describe, expect, it } from "vitest";
import { defineEvaluator } from "./define.js";
import { DefinitionError, ResultError } from "./errors.js";
import { toVerdict } from "./verdict.js";

const def = defineEvaluator({
  name: "docs", description: "documentation", evaluate: async () => [],
  criteria: [{ id: "readme", description: "a README exists" }, { id: "clarity", description: "the README is clear", threshold: 7 }],
});

describe("evaluator-sdk verdicts - pass is computed by code", () => {
  it("passes when every declared criterion is reported and holds", () => {
    const v = toVerdict(def, [{ id: "readme", passed: true }, { id: "clarity", score: 8, evidence: ["README.md:1-20 explains usage"] }]);
    expect(v).toMatchObject({ evaluator: "docs", passed: true, summary: "all 2 criteria passed" });
    expect(v.criteria.map((c) => [c.checkId, c.kind, c.score, c.threshold, c.passed])).toEqual([["readme", "custom", 10, 10, true], ["clarity", "rubric", 8, 7, true]]);
  });

  it("fails a score below its threshold even when the evaluator says it passed", () => {
    const v = toVerdict(def, { criteria: [{ id: "readme", passed: true }, { id: "clarity", score: 5, passed: true, evidence: ["vague"] }], summary: "looks great" });
    expect(v.passed).toBe(false);
    expect(v.summary).toBe("1 of 2 criteria failed: clarity. looks great");
  });

  it("fails a declared criterion that was never reported", () => {
    const v = toVerdict(def, [{ id: "readme", passed: true }]);
    expect(v.passed).toBe(false);
    expect(v.criteria.find((c) => c.checkId === "clarity")).toMatchObject({ passed: false, feedback: expect.stringContaining("not evaluated") });
  });

  it("fails an evaluation that reports nothing at all", () => {
    const bare = defineEvaluator({ name: "bare", description: "no declared criteria", evaluate: async () => [] });
    expect(toVerdict(bare, [])).toMatchObject({ passed: false, summary: "no criteria were evaluated" });
  });

  it("gives every failure evidence and feedback, and cuts long output to the schema's limits", () => {
    const v = toVerdict(def, [{ id: "readme", passed: false, evidence: [{ kind: "output", summary: "x".repeat(10_000), detail: "y".repeat(50_000) }] }, { id: "clarity", score: 9, evidence: ["ok"] }]);
    const readme = v.criteria[0]!;
    expect(readme.evidence[0]!.summary.length).toBeLessThanOrEqual(4_000);
    expect(readme.evidence[0]!.detail!.length).toBeLessThanOrEqual(20_000);
    expect(readme.feedback.length).toBeGreaterThan(0);
    const silent = toVerdict(def, [{ id: "readme", passed: false }, { id: "clarity", score: 9, evidence: ["ok"] }]);
    expect(silent.criteria[0]!.evidence).toHaveLength(1);
  });

  it("rejects results that are bugs in the evaluator rather than findings about the build", () => {
    expect(() => toVerdict(def, [{ id: "readme" }])).toThrow(ResultError);
    expect(() => toVerdict(def, [{ id: "x", score: 5 }])).toThrow(/no threshold/);
    expect(() => toVerdict(def, [{ id: "readme", passed: true }, { id: "readme", passed: true }])).toThrow(/reported twice/);
    expect(() => toVerdict(def, { nope: true } as never)).toThrow(ResultError);
  });

  it("refuses a definition with a bad name, the built-in name or duplicate criteria", () => {
    const evaluate = async () => [];
    expect(() => defineEvaluator({ name: "Docs Checker", description: "", evaluate })).toThrow(DefinitionError);
    expect(() => defineEvaluator({ name: "core", description: "", evaluate })).toThrow(/built-in/);
    expect(() => defineEvaluator({ name: "d", description: "", evaluate, criteria: [{ id: "a", description: "" }, { id: "a", description: "" }] })).toThrow(/twice/);
  });
});
