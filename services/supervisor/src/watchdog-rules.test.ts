import type { OutboxItem, RunState } from "@harness/contracts";
import { describe, expect, it } from "vitest";
import { initialState, reduce } from "./reducer.js";
import { deepFrozen, ev, options, SPEC } from "./test-fixtures.js";
import { reduceWatchdog, watchdogAction } from "./watchdog-rules.js";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
const POLICY = { stallAfterMs: 60_000 };
const work = (out: OutboxItem[]) => out.filter((o) => o.kind === "work").map((o) => o.message);
const records = (out: OutboxItem[]) => out.filter((o) => o.kind === "event").map((o) => o.message["payload"] as { from: string; to: string; decision: string; reason: string });

function planning(opts = options()): RunState {
  const s = initialState("run1", "a counter", opts, at(0));
  return reduce(s, ev("run1", "run.requested", { prompt: "a counter", options: opts }), at(0)).state;
}

/** Lets the watchdog look at the run at `ms` and apply what it decides. */
function tick(s: RunState, ms: number) {
  const action = watchdogAction(s, T0 + ms, POLICY);
  if (!action) return { s, action, out: [] as OutboxItem[] };
  // Frozen: the watchdog's step must not write to the state it starts from either.
  const { state, outbox } = reduceWatchdog(deepFrozen(s), action, at(ms));
  return { s: state, action, out: outbox };
}

describe("supervisor watchdog - stalls", () => {
  it("re-dispatches stalled work once with fresh ids, then pauses the run with the reason", () => {
    let s = planning();
    expect(tick(s, 59_000).action).toBeUndefined();

    const first = tick(s, 61_000);
    s = first.s;
    expect(first.action?.kind).toBe("redispatch");
    expect(work(first.out).map((m) => m["type"])).toEqual(["plan.requested"]);
    expect(records(first.out)).toEqual([expect.objectContaining({ from: "planning", to: "planning", decision: "stall_redispatch" })]);
    expect(s.status).toBe("planning");
    // The same state looked at again decides nothing new: the action's id is applied.
    expect(tick(s, 62_000).action).toBeUndefined();

    const second = tick(s, 122_000);
    s = second.s;
    expect(second.action?.kind).toBe("escalate");
    expect(s.status).toBe("paused");
    expect(s.reason).toMatch(/^stalled: no progress while waiting for spec for 122s, even after a re-dispatch/);
    expect(work(second.out)).toEqual([]);
    // The work goes out again when a human resumes.
    expect(s.held.map((h) => h.message["type"])).toEqual(["plan.requested"]);
    expect(tick(s, 999_000).action).toBeUndefined();

    const resumed = reduce(s, ev("run1", "run.control", { action: "resume" }), at(1_000_000));
    expect(work(resumed.outbox).map((m) => m["type"])).toEqual(["plan.requested"]);
    // After a resume the run gets a fresh re-dispatch before the next escalation.
    expect(tick(resumed.state, 1_061_000).action?.kind).toBe("redispatch");
  });

  it("re-dispatched work gets ids different from the original's, so JetStream does not drop it", () => {
    const s = planning();
    const original = s.applied.length;
    const { out } = tick(s, 61_000);
    expect(original).toBe(1);
    const again = work(out)[0]!["id"];
    const first = reduce(initialState("run1", "a counter", options(), at(0)), ev("run1", "run.requested", { prompt: "a counter", options: options() }), at(0));
    expect(work(first.outbox)[0]!["id"]).not.toBe(again);
  });

  it("charges the calls in flight of work it declares lost at their reservation, and a late settlement still replaces the charge", () => {
    const reserved = { ...ev("run1", "usage.reserved", { reservationId: "res-1", role: "planner", model: "m", worstCase: { costUsd: 0.4, tokens: 500 }, delivery: 1 }), causationId: "w1" };
    let s = reduce(planning(), reserved, at(1_000)).state;
    expect(s.usage).toMatchObject({ reservedCalls: 1, unsettledCalls: 0 });
    const stalled = tick(s, 62_000);
    s = stalled.s;
    expect(stalled.action?.kind).toBe("redispatch");
    expect(s.usage).toMatchObject({ reservedCalls: 0, reservedUsd: 0, unsettledCalls: 1, unsettledUsd: 0.4, costUsd: 0.4 });
    const late = { ...ev("run1", "usage.recorded", { callId: "m1", role: "planner", model: "m", usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0.05, reservationId: "res-1" }), causationId: "w1" };
    s = reduce(s, late, at(63_000)).state;
    expect(s.usage).toMatchObject({ unsettledCalls: 0, costUsd: 0.05, calls: 1 });
  });

  it("usage events count as life: a long build making model calls is not a stall", () => {
    let s = planning();
    s = reduce(s, ev("run1", "usage.recorded", { callId: "c1", role: "planner", model: "m", usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0 }), at(50_000)).state;
    expect(tick(s, 100_000).action).toBeUndefined();
    expect(tick(s, 111_000).action?.kind).toBe("redispatch");
  });

  it("waits for a human are never stalls: paused runs and approval gates", () => {
    const gated = reduce(planning(options({ gates: { approveSpec: true, approveContracts: false } })), ev("run1", "spec.produced", { spec: SPEC, version: 1 }), at(1_000)).state;
    expect(gated.waitingFor).toBe("spec_approval");
    expect(tick(gated, 10_000_000).action).toBeUndefined();
    const paused = reduce(planning(), ev("run1", "run.control", { action: "pause" }), at(1_000)).state;
    expect(tick(paused, 10_000_000).action).toBeUndefined();
  });

  it("a queued run whose run.requested never arrived is started by the watchdog, once", () => {
    const s = initialState("run1", "a counter", options(), at(0));
    const { s: next, out } = tick(s, 61_000);
    expect(next.status).toBe("planning");
    expect(work(out).map((m) => m["type"])).toEqual(["plan.requested"]);
    // The late run.requested changes nothing.
    const late = reduce(next, ev("run1", "run.requested", { prompt: "a counter", options: options() }), at(62_000));
    expect(work(late.outbox)).toEqual([]);
  });
});

describe("supervisor watchdog - wall clock", () => {
  it("enforces the wall-clock budget by the clock, pausing or failing per the run's option", () => {
    const budget = { maxCostUsd: 50, maxTokens: 1_000_000, maxWallClockMs: 30_000 };
    const pausing = tick(planning(options({ budget, onBudgetExceeded: "pause" })), 31_000);
    expect(pausing.action?.kind).toBe("wallclock");
    expect(pausing.s.status).toBe("paused");
    expect(pausing.s.reason).toBe("wall-clock budget exceeded: 31s of 30s");
    const failing = tick(planning(options({ budget })), 31_000);
    expect(failing.s.status).toBe("failed");
    expect(records(failing.out)).toEqual([expect.objectContaining({ to: "failed", decision: "budget_wallclock" })]);
    expect(tick(failing.s, 99_000).action).toBeUndefined();
  });
});
