import { describe, expect, it } from "vitest";
import type { EventMessage, OutboxItem, RunState } from "@harness/contracts";
import { ledgerOf } from "./fold.js";
import { initialState, MAX_SUSPECT_REFUSALS, reduce } from "./reducer.js";
import { ART, contractFor, deepFrozen, ev, options, SPEC, verdict } from "./test-fixtures.js";

const NOW = "2026-01-01T00:00:00.000Z";
const r = "run1";
const USAGE = { inputTokens: 100, outputTokens: 50, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };

function drive(s: RunState, ...events: EventMessage[]): { s: RunState; out: OutboxItem[] } {
  let out: OutboxItem[] = [];
  for (const e of events) ({ state: s, outbox: out } = reduce(deepFrozen(s), e, NOW));
  return { s, out };
}

/** An event a worker sends while doing work item `work`. */
const of = (work: string, e: EventMessage): EventMessage => ({ ...e, causationId: work });
const reserved = (id: string, costUsd: number, delivery = 1, sprint = 1, attempt = 1) =>
  ev(r, "usage.reserved", { reservationId: id, role: "generator", model: "claude-sonnet-5-5", worstCase: { costUsd, tokens: 1_000 }, delivery }, sprint, attempt);
const recorded = (id: string, costUsd: number) =>
  ev(r, "usage.recorded", { callId: `msg-${id}`, role: "generator", model: "claude-sonnet-5-5", usage: USAGE, costUsd, reservationId: id }, 1, 1);

function building(opts = options()): RunState {
  let { s } = drive(initialState(r, "a counter", opts, NOW), ev(r, "run.requested", { prompt: "a counter", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 }));
  ({ s } = drive(s, ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1)));
  return drive(s, ev(r, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" }, 1)).s;
}

describe("supervisor - model call reservations", () => {
  it("holds a reserved call's worst case against the budget until its usage settles it at the real cost", () => {
    let s = drive(building(), of("w1", reserved("a", 0.3))).s;
    expect(s.usage).toMatchObject({ costUsd: 0, reservedUsd: 0.3, reservedTokens: 1_000, reservedCalls: 1, calls: 0 });
    // Workers see reservations in the ledger, and count them like spend.
    expect(ledgerOf(s).usage.reservedUsd).toBe(0.3);
    s = drive(s, of("w1", recorded("a", 0.1))).s;
    expect(s.usage).toMatchObject({ costUsd: 0.1, reservedUsd: 0, reservedCalls: 0, calls: 1, unsettledCalls: 0 });
    expect(s.reservations).toEqual([]);
  });

  it("charges a call at its reservation when its work's result comes without its usage, and a late usage replaces that charge", () => {
    let s = drive(building(), of("w1", reserved("a", 0.3)), of("w1", reserved("b", 0.2)), of("w1", recorded("b", 0.05))).s;
    // The worker stores its usage before its result: a result with a call still open means that call's record was lost.
    s = drive(s, of("w1", ev(r, "build.produced", { artifact: ART, files: ["a.js"], notes: "" }, 1, 1))).s;
    expect(s.usage).toMatchObject({ costUsd: 0.35, unsettledUsd: 0.3, unsettledCalls: 1, unsettledTokens: 1_000, reservedUsd: 0, calls: 1 });
    expect(s.reservations).toMatchObject([{ id: "a", writtenOff: true }]);
    s = drive(s, of("w1", recorded("a", 0.12))).s;
    expect(s.usage.costUsd).toBeCloseTo(0.17, 10);
    expect(s.usage).toMatchObject({ unsettledUsd: 0, unsettledCalls: 0, unsettledTokens: 0, calls: 2 });
    expect(s.reservations).toEqual([]);
  });

  it("writes off a dead delivery's calls when the work is delivered again, and never charges a released call", () => {
    let s = drive(building(), of("w1", reserved("a", 0.3, 1)), of("w1", reserved("b", 0.4, 2))).s;
    expect(s.usage).toMatchObject({ costUsd: 0.3, unsettledCalls: 1, reservedUsd: 0.4, reservedCalls: 1 });
    s = drive(s, of("w1", ev(r, "usage.released", { reservationId: "b", reason: "the model stayed unavailable" }, 1, 1))).s;
    expect(s.usage).toMatchObject({ costUsd: 0.3, reservedUsd: 0, reservedCalls: 0, calls: 0 });
    // Another work item's failure leaves this one's calls alone.
    s = drive(s, of("w1", reserved("c", 0.1, 2)), of("w2", ev(r, "work.failed", { role: "planner", work: "plan.requested", reason: "stale" }))).s;
    expect(s.usage.reservedCalls).toBe(1);
  });

  it("settles a call whose usage is folded before its reservation (replicas fold in parallel) once, never charging its worst case too", () => {
    let s = drive(building(), of("w1", recorded("a", 0.1)), of("w1", reserved("a", 0.3))).s;
    expect(s.usage).toMatchObject({ costUsd: 0.1, calls: 1, reservedCalls: 0, reservedUsd: 0 });
    s = drive(s, ev(r, "run.control", { action: "cancel" })).s;
    expect(s.usage).toMatchObject({ costUsd: 0.1, unsettledCalls: 0 });
    expect(s.settledEarly).toEqual([]);
  });

  it("charges every call still in flight at its reservation when the run ends", () => {
    let s = drive(building(), of("w1", reserved("a", 0.3)), of("w9", reserved("z", 0.2))).s;
    s = drive(s, ev(r, "run.control", { action: "cancel" })).s;
    expect(s.status).toBe("cancelled");
    expect(s.usage).toMatchObject({ costUsd: 0.5, unsettledCalls: 2, reservedCalls: 0, reservedUsd: 0 });
  });

  it("records a budget refusal its own ledger does not confirm as suspect, sends the work again and lets the run go on", () => {
    // Forged: $0.07 charged of $50, claiming the next call could cost $49.95 (no call of this model can).
    let s = drive(building(), of("w1", recorded("x", 0.07))).s;
    const forged = ev(r, "budget.exceeded", {
      kind: "cost", limit: 50, used: 49.99, detail: "forged", refused: { role: "generator", model: "claude-sonnet-5-5", spent: 49.99, reserved: 0, worstCase: 49.95 },
    }, 1, 1);
    const { s: after, out } = drive(s, forged);
    s = after;
    expect(s.status).toBe("running");
    const records = out.filter((o) => o.kind === "event").map((o) => o.message["payload"] as { decision: string; reason: string });
    expect(records).toMatchObject([{ decision: "budget_refusal_suspect", reason: expect.stringContaining("not confirmed") }]);
    expect(out.filter((o) => o.kind === "work").map((o) => o.message["type"])).toEqual(["build.requested"]);
  });

  it("fails the run rather than send the work out a third time for refusals its ledger keeps not bearing out", () => {
    const forged = (attempt: number) => ev(r, "budget.exceeded", {
      kind: "cost", limit: 50, used: 49.99, detail: "forged", refused: { role: "generator", model: "claude-sonnet-5-5", spent: 49.99, reserved: 0, worstCase: 49.95 },
    }, 1, attempt);
    let s = building();
    const sent: unknown[] = [];
    for (let i = 1; i <= MAX_SUSPECT_REFUSALS; i++) {
      const { s: after, out } = drive(s, forged(1));
      s = after;
      sent.push(...out.filter((o) => o.kind === "work").map((o) => o.message["type"]));
    }
    // Two copies sent again, then no more: the run fails saying why.
    expect(sent).toEqual(["build.requested", "build.requested"]);
    expect(s.status).toBe("failed");
    expect(s.reason).toMatch(/^generator refused the build work's model calls 3 times on cost where the supervisor's ledger leaves room: not sent out again\. Check that the workers and the supervisor share HARNESS_MODEL_PRICES/);
    // A refusal of other work than the one awaited changes no count and sends nothing.
    const other = drive(building(), forged(7), forged(7), forged(7));
    expect([other.s.status, other.s.suspectRefusals, other.out]).toEqual(["running", undefined, [expect.objectContaining({ kind: "event" })]]);
  });

  it("counts suspect refusals per awaited work: the next attempt starts again from one", () => {
    const forged = (attempt: number) => ev(r, "budget.exceeded", { kind: "cost", limit: 50, used: 49.99, detail: "forged" }, 1, attempt);
    let s = drive(building(options({ maxAttemptsPerSprint: 3 })), forged(1), forged(1)).s;
    expect(s.suspectRefusals).toEqual({ work: "build:1:1::", count: 2 });
    s = drive(s, ev(r, "build.produced", { artifact: ART, files: ["a.js"], notes: "" }, 1, 1)).s;
    s = drive(s, ev(r, "verdict.produced", { verdict: verdict(false) }, 1, 1)).s;
    expect([s.status, s.waitingFor, s.sprints[0]?.attempts.length]).toEqual(["running", "build", 2]);
    s = drive(s, forged(2), forged(2)).s;
    expect([s.status, s.suspectRefusals]).toEqual(["running", { work: "build:1:2::", count: 2 }]);
  });

  it("accepts a refusal its ledger confirms, counting calls in flight, though spend is still under the limit", () => {
    const opts = options({ budget: { maxCostUsd: 1, maxTokens: 1_000_000, maxWallClockMs: 3_600_000 } });
    // $0.5 charged and $0.4 reserved by a call in flight: a $0.2 call could cross $1.
    const s = drive(building(opts), of("w1", recorded("x", 0.5)), of("w2", reserved("y", 0.4))).s;
    const real = ev(r, "budget.exceeded", {
      kind: "cost", limit: 1, used: 0.9, detail: "the next call could cost $0.2", refused: { role: "generator", model: "claude-sonnet-5-5", spent: 0.5, reserved: 0.4, worstCase: 0.2 },
    }, 1, 1);
    expect(drive(s, real).s.status).toBe("failed");
    const paused = drive(building(options({ ...opts, onBudgetExceeded: "pause" })), of("w1", recorded("x", 0.5)), of("w2", reserved("y", 0.4)), real).s;
    expect(paused.status).toBe("paused");
    expect(paused.held).toHaveLength(1);
  });
});
