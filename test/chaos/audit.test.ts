import type { RecordedRequest } from "@harness/scripted-model";
import { describe, expect, it } from "vitest";
import { auditRun, recoveryTimes, type LoggedEvent, type RunViewLite } from "../support/chaos-audit.js";

/* The chaos audit must be able to fail: each kind of damage it looks for, planted in a clean history. */

let seq = 0;
function ev(type: string, payload: Record<string, unknown> = {}, sprint = 0, attempt = 0, id = `e${++seq}`): LoggedEvent {
  return { seq: ++seq, time: new Date(1_000 + seq * 10).toISOString(), message: { id, type, sprint, attempt, payload } };
}
const move = (from: string, to: string) => ev("run.transition", { from, to });
const verdict = (attempt: number, passed: boolean) => ev("verdict.produced", { verdict: { evaluator: "core", passed } }, 1, attempt);
const usage = (callId: string) => ev("usage.recorded", { callId });
const request = (index: number, id: string, reservation?: string): RecordedRequest => ({
  index, method: "POST", path: "/v1/messages", headers: { "x-harness-role": "planner", ...(reservation ? { "x-harness-reservation": reservation } : {}) }, body: {}, role: "planner", matchedRule: 0, replyIndex: 0,
  fault: null, stream: false, status: 200, time: 0, durationMs: 1, receivedAt: 0, sentAt: 1, usage: null, response: { id },
});

function cleanFailedRun(): { view: RunViewLite; events: LoggedEvent[]; requests: RecordedRequest[] } {
  const events = [ev("run.requested"), move("queued", "planning"), usage("m1"), ev("spec.produced"), move("planning", "running"), verdict(1, false), verdict(2, false), move("running", "failed")];
  const view: RunViewLite = {
    id: "r1", status: "failed", reason: "max attempts: sprint 1 failed evaluation 2 times", usage: { calls: 1 },
    sprints: [{ number: 1, status: "failed", attempts: [{ status: "failed", verdicts: { core: {} } }, { status: "failed", verdicts: { core: {} } }] }],
  };
  return { view, events, requests: [request(0, "m1")] };
}

const audit = (run: ReturnType<typeof cleanFailedRun>, applied = run.events.map((e) => e.message.id)) =>
  auditRun({ tag: "cx-t", kind: "max-attempts", view: run.view, events: run.events, state: { applied, eventCount: applied.length }, requests: run.requests, faults: [] });

describe("chaos - the audit catches what it claims to", () => {
  it("passes a clean history", () => {
    expect(audit(cleanFailedRun()).problems).toEqual([]);
  });

  it("counts an event the fold never saw as lost", () => {
    const run = cleanFailedRun();
    const a = audit(run, run.events.slice(1).map((e) => e.message.id));
    expect(a.lostEvents).toBeGreaterThan(0);
  });

  it("counts a transition that breaks the chain as lost, and a repeated one as a duplicate", () => {
    const gap = cleanFailedRun();
    gap.events.splice(1, 1);
    expect(audit(gap).lostEvents).toBe(1);
    const dup = cleanFailedRun();
    dup.events.push(move("running", "failed"));
    expect(audit(dup).duplicateTransitions).toBe(1);
  });

  it("flags a second verdict for one attempt, a stored duplicate event and a double charge", () => {
    const run = cleanFailedRun();
    run.events.push(verdict(2, true), usage("m1"));
    const first = run.events[0];
    if (first) run.events.push(first);
    const a = audit(run);
    expect(a.duplicateVerdicts).toBe(1);
    expect(a.duplicateEvents).toBe(1);
    expect(a.problems.join("\n")).toMatch(/charged twice/);
  });

  it("flags an answered call that was never charged, whatever faults there were", () => {
    const run = cleanFailedRun();
    run.requests.push(request(1, "m2", "res-2"));
    expect(audit(run).problems.join("\n")).toMatch(/answered calls never charged: #1 planner/);
    const withFaults = auditRun({ tag: "cx-t", kind: "max-attempts", view: run.view, events: run.events, state: { applied: run.events.map((e) => e.message.id), eventCount: run.events.length }, requests: run.requests, faults: [{ kind: "kill", role: "planner", at: 0, backAt: 200 }] });
    expect(withFaults.uncharged).toHaveLength(1);
  });

  it("counts a call its worker never settled as charged at its reservation, and flags a reservation nothing accounts for", () => {
    const run = cleanFailedRun();
    const reserved = ev("usage.reserved", { reservationId: "res-2" });
    run.events.splice(2, 0, reserved);
    run.requests.push(request(1, "m2", "res-2"));
    const ids = run.events.map((e) => e.message.id);
    const a = auditRun({ tag: "cx-t", kind: "max-attempts", view: run.view, events: run.events, state: { applied: ids, eventCount: ids.length, writtenOff: ["res-2"] }, requests: run.requests, faults: [] });
    expect(a.problems).toEqual([]);
    expect(a).toMatchObject({ uncharged: [], reservations: 1, writtenOff: 1 });
    const lost = auditRun({ tag: "cx-t", kind: "max-attempts", view: run.view, events: run.events, state: { applied: ids, eventCount: ids.length, openReservations: ["res-2"] }, requests: run.requests, faults: [] });
    expect(lost.problems.join("\n")).toMatch(/never charged: #1 planner/);
    expect(lost.problems.join("\n")).toMatch(/reservations neither settled, released nor charged: res-2/);
    expect(lost.problems.join("\n")).toMatch(/still open after the run ended: res-2/);
    const twice = cleanFailedRun();
    twice.events.push(ev("usage.reserved", { reservationId: "res-1" }), ev("usage.recorded", { callId: "m1", reservationId: "res-1" }));
    twice.events.splice(2, 1);
    const twiceIds = twice.events.map((e) => e.message.id);
    const both = auditRun({ tag: "cx-t", kind: "max-attempts", view: twice.view, events: twice.events, state: { applied: twiceIds, eventCount: twiceIds.length, writtenOff: ["res-1"] }, requests: twice.requests, faults: [] });
    expect(both.problems.join("\n")).toMatch(/settled and also charged at their reservation: res-1/);
  });

  it("measures recovery as the time until every run in progress moves again", () => {
    const history = [ev("a"), ev("b")];
    const at = Date.parse(history[0]?.time ?? "") + 1;
    expect(recoveryTimes([{ kind: "kill", role: "planner", at, backAt: at }], [history])).toEqual([Date.parse(history[1]?.time ?? "") - at]);
  });
});
