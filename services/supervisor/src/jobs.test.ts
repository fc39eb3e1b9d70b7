import { JobState, type EventMessage } from "@harness/contracts";
import { describe, expect, it } from "vitest";
import { dispatch, emptyUsage, expire, jobLedger, reduceJob } from "./jobs.js";

const T = "2026-01-01T00:00:00.000Z";
const ref = { name: `sha256-${"a".repeat(64)}`, digest: "a".repeat(64), size: 1 };

function job(items: number, concurrency: number): JobState {
  const j = JobState.parse({
    id: "cal-x", kind: "calibration", status: "running", createdAt: T, updatedAt: T,
    options: { concurrency, budget: { maxCostUsd: 1 } }, inputs: [], variants: [{ name: "a/v", input: 0, artifact: ref }],
    items: Array.from({ length: items }, (_, i) => ({ variant: 0, evaluator: "core", repeat: i + 1, workId: `w${i}`, status: "queued" })), usage: emptyUsage(),
  });
  dispatch(j, T);
  return j;
}

const verdict = (workId: string, evaluator = "core", passed = true): EventMessage => ({
  id: `v-${workId}-${evaluator}`, schemaVersion: 1, type: "verdict.produced", runId: "cal-x", sprint: 1, attempt: 1, causationId: workId,
  producer: { role: "evaluator", instance: "e" }, time: T, payload: { verdict: { evaluator, passed, summary: "s", criteria: [{ checkId: "c", kind: "command", description: "d", score: 10, threshold: 10, passed, evidence: [], feedback: "f" }] } },
});

describe("calibration and re-judgement jobs", () => {
  it("keeps at most `concurrency` evaluations out, dispatching the next as each verdict comes, and completes after the last", () => {
    let j = job(3, 2);
    expect(j.items.map((i) => i.status)).toEqual(["dispatched", "dispatched", "queued"]);
    expect(j.pending).toEqual(["w0", "w1"]);
    j = reduceJob({ ...j, pending: [] }, verdict("w0"), T)!;
    expect(j.items.map((i) => i.status)).toEqual(["judged", "dispatched", "dispatched"]);
    expect(j.pending).toEqual(["w2"]);
    j = reduceJob(reduceJob({ ...j, pending: [] }, verdict("w1"), T)!, verdict("w2"), T)!;
    expect(j.status).toBe("completed");
    expect(jobLedger(j).status).toBe("completed");
  });

  it("ignores a verdict twice, one for work it never gave out, and one from an evaluator the work was not given to", () => {
    const j = job(1, 1);
    const once = reduceJob(j, verdict("w0"), T)!;
    expect(reduceJob(once, verdict("w0"), T)).toBeNull();
    expect(reduceJob(j, verdict("nobody's"), T)).toBeNull();
    expect(reduceJob(j, verdict("w0", "lenient"), T)).toBeNull();
    expect(reduceJob(j, { ...verdict("w0"), type: "work.progress", payload: { role: "generator", work: "evaluation.requested", elapsedMs: 1 } } as EventMessage, T)).toBeNull();
  });

  it("charges usage to the job's own ledger and ends the job, dropping what is left, on a budget refusal", () => {
    let j = job(2, 1);
    const base = { schemaVersion: 1 as const, runId: "cal-x", sprint: 1, attempt: 1, causationId: "w0", producer: { role: "evaluator" as const, instance: "e" }, time: T };
    j = reduceJob(j, { ...base, id: "u1", type: "usage.reserved", payload: { reservationId: "r1", role: "judge", model: "m", worstCase: { costUsd: 0.5, tokens: 100 }, delivery: 1 } }, T)!;
    expect(jobLedger(j).usage).toMatchObject({ reservedUsd: 0.5, reservedCalls: 1 });
    j = reduceJob(j, { ...base, id: "u2", type: "usage.recorded", payload: { callId: "c", role: "judge", model: "m", usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0.25, reservationId: "r1" } }, T)!;
    expect(jobLedger(j).usage).toMatchObject({ costUsd: 0.25, calls: 1, reservedUsd: 0, reservedCalls: 0, inputTokens: 10 });
    j = reduceJob(j, { ...base, id: "b1", type: "budget.exceeded", payload: { kind: "cost", limit: 1, used: 0.9, detail: "no room", evaluator: "core" } }, T)!;
    expect(j.status).toBe("failed");
    expect(j.reason).toContain("budget exceeded (cost)");
    expect(j.items.map((i) => i.status)).toEqual(["dropped", "dropped"]);
  });

  it("charges no usage a custom evaluator reports about work given to the core evaluator", () => {
    const j = job(1, 1);
    const usage = (evaluator?: string): EventMessage => ({
      schemaVersion: 1, runId: "cal-x", sprint: 1, attempt: 1, causationId: "w0", producer: { role: "evaluator", instance: "e" }, time: T, id: `u-${evaluator ?? "core"}`,
      type: "usage.recorded", payload: { callId: "c", ...(evaluator ? { evaluator } : {}), role: "judge", model: "m", usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0.9 },
    });
    expect(reduceJob(j, usage("lenient"), T)).toBeNull();
    expect(jobLedger(reduceJob(j, usage(), T)!).usage).toMatchObject({ costUsd: 0.9, calls: 1 });
  });

  it("ends a job at its wall-clock budget, dropping what was not judged", () => {
    const j = job(2, 1);
    expect(expire(j, "2026-01-01T05:59:59.000Z")).toBe(false);
    expect(expire(j, "2026-01-01T06:00:01.000Z")).toBe(true);
    expect(j.status).toBe("failed");
    expect(j.reason).toContain("wall clock budget");
    expect(j.items.map((i) => i.status)).toEqual(["dropped", "dropped"]);
  });
});
