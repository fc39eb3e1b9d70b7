import type { JobState } from "@harness/contracts";
import { describe, expect, it } from "vitest";
import { calibrationReport, rejudgementReport } from "./job-report.js";
import { emptyUsage } from "./jobs.js";

const T = "2026-01-01T00:00:00.000Z";
const ref = { name: `sha256-${"a".repeat(64)}`, digest: "a".repeat(64), size: 1 };
const crit = (checkId: string, passed: boolean, kind: "browser" | "rubric" = "browser") => ({ checkId, kind, passed, score: passed ? 10 : 0, threshold: 10, feedback: passed ? "" : `${checkId} failed` });

function job(over: Partial<JobState>): JobState {
  return {
    id: "cal-x", kind: "calibration", status: "completed", reason: "", createdAt: T, updatedAt: T, finishedAt: "2026-01-01T00:00:10.000Z",
    options: { evaluators: ["core"], repeat: 1, concurrency: 1, budget: { maxCostUsd: 1, maxTokens: 1_000, maxWallClockMs: 60_000 }, models: {}, rubric: "judged" },
    inputs: [], variants: [], items: [], missing: [], usage: emptyUsage(), reservations: {}, applied: [], pending: [], ...over,
  };
}

const item = (variant: number, repeat: number, criteria: ReturnType<typeof crit>[], evaluator = "core") => ({
  variant, evaluator, repeat, workId: `w${variant}${evaluator}${repeat}`, status: "judged" as const,
  verdict: { evaluator, passed: criteria.every((c) => c.passed), summary: "", criteria },
});

describe("job report", () => {
  it("counts each criterion against the label: false pass, false fail, agreed; rubric by a scripted model is not judged", () => {
    const j = job({
      options: { ...job({}).options, rubric: "not-judged" },
      variants: [{ name: "a/correct", input: 0, artifact: ref, failing: [] }, { name: "a/broken", input: 0, artifact: ref, failing: ["save", "list"] }],
      items: [
        item(0, 1, [crit("save", true), crit("list", false), crit("looks", true, "rubric")]),
        item(1, 1, [crit("save", true), crit("list", false), crit("looks", false, "rubric")]),
      ],
    });
    const r = calibrationReport(j);
    expect(r.totals).toEqual({ falsePass: 1, falseFail: 1, agreed: 2, notJudged: 2 });
    expect(r.falsePasses).toEqual([{ variant: "a/broken", criterion: "save", repeat: 1, feedback: "" }]);
    expect(r.falseFails.map((f) => [f.variant, f.criterion])).toEqual([["a/correct", "list"]]);
    expect(r.variants).toEqual([
      { variant: "a/correct", falsePass: 0, falseFail: 1, agreed: 1, notJudged: 1, unjudged: 0 },
      { variant: "a/broken", falsePass: 1, falseFail: 0, agreed: 1, notJudged: 1, unjudged: 0 },
    ]);
    expect(r.seconds).toBe(10);
  });

  it("names a custom evaluator's criteria <evaluator>:<id>, counts a labelled criterion its verdict lacks as not judged, and reports flaky repeats", () => {
    const j = job({
      variants: [{ name: "a/broken", input: 0, artifact: ref, failing: ["lenient:gone", "save"] }],
      items: [item(0, 1, [crit("save", false)]), item(0, 2, [crit("save", true)]), item(0, 1, [crit("save", true)], "lenient")],
    });
    const r = calibrationReport(j);
    expect(r.criteria.map((c) => c.criterion)).toEqual(["lenient:gone", "lenient:save", "save"]);
    expect(r.falsePasses.map((f) => `${f.criterion}#${f.repeat}`)).toEqual(["save#2", "lenient:save#1"]);
    expect(r.notJudged).toEqual([expect.objectContaining({ criterion: "lenient:gone", why: expect.stringContaining("no such criterion") })]);
    expect(r.flaky).toEqual([{ variant: "a/broken", criterion: "save" }]);
  });

  it("lists evaluations without a verdict with their reason", () => {
    const j = job({ status: "failed", reason: "budget exceeded", variants: [{ name: "a/v", input: 0, artifact: ref, failing: [] }], items: [{ variant: 0, evaluator: "core", repeat: 1, workId: "w", status: "dropped" }] });
    expect(calibrationReport(j).unjudged).toEqual([{ variant: "a/v", evaluator: "core", repeat: 1, status: "dropped", reason: "budget exceeded" }]);
  });

  it("puts a re-judgement's disagreements first, criterion by criterion, beside the original verdict", () => {
    const original = { evaluator: "core", passed: true, summary: "ok", criteria: [crit("save", true), crit("list", true)] };
    const j = job({
      kind: "rejudgement", runId: "r1",
      variants: [
        { name: "sprint 1 attempt 1", input: 0, artifact: ref, failing: [], origin: { sprint: 1, attempt: 1 }, original: { core: original } },
        { name: "sprint 2 attempt 1", input: 0, artifact: ref, failing: [], origin: { sprint: 2, attempt: 1 }, original: { core: original } },
      ],
      items: [item(0, 1, [crit("save", true), crit("list", true)]), item(1, 1, [crit("save", true), crit("list", false)])],
    });
    const r = rejudgementReport(j);
    expect(r.disagreements).toBe(1);
    expect(r.attempts.map((a) => [a.sprint, a.disagreements])).toEqual([[2, 1], [1, 0]]);
    expect(r.attempts[0]!.criteria[0]).toMatchObject({ checkId: "list", original: true, now: false, agree: false });
    expect(r.attempts[0]).toMatchObject({ original: { passed: true }, now: { passed: false } });
  });

  it("keeps the criteria of two corpora apart in the table when their ids are the same", () => {
    const j = job({
      variants: [{ name: "a/v", input: 0, artifact: ref, failing: [] }, { name: "b/v", input: 1, artifact: ref, failing: [] }],
      items: [item(0, 1, [crit("save", true)]), item(1, 1, [crit("save", true)])],
    });
    expect(calibrationReport(j).criteria.map((c) => [c.criterion, c.agreed])).toEqual([["a: save", 1], ["b: save", 1]]);
  });
});
