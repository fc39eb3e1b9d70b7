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
const request = (index: number, id: string): RecordedRequest => ({
  index, method: "POST", path: "/v1/messages", headers: { "x-harness-role": "planner" }, body: {}, role: "planner", matchedRule: 0, replyIndex: 0,
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

  it("flags an answered call that was never charged when no fault explains it", () => {
    const run = cleanFailedRun();
    run.requests.push(request(1, "m2"));
    expect(audit(run).problems.join("\n")).toMatch(/answered calls never charged: #1 planner/);
  });

  it("excuses an uncharged call only by a crash of the process that made it, never by a NATS restart", () => {
    const run = cleanFailedRun();
    run.requests.push(request(1, "m2"));
    const withFaults = (kind: "kill" | "nats-restart", role?: "planner" | "generator") =>
      auditRun({ tag: "cx-t", kind: "max-attempts", view: run.view, events: run.events, state: { applied: run.events.map((e) => e.message.id), eventCount: run.events.length }, requests: run.requests, faults: [{ kind, ...(role ? { role } : {}), at: 100, backAt: 200 }] });
    expect(withFaults("kill", "planner").problems).toEqual([]);
    expect(withFaults("kill", "generator").problems.join("\n")).toMatch(/never charged/);
    expect(withFaults("nats-restart").problems.join("\n")).toMatch(/never charged: #1 planner \(answered while nats-server restarted\)/);
  });

  it("measures recovery as the time until every run in progress moves again", () => {
    const history = [ev("a"), ev("b")];
    const at = Date.parse(history[0]?.time ?? "") + 1;
    expect(recoveryTimes([{ kind: "kill", role: "planner", at, backAt: at }], [history])).toEqual([Date.parse(history[1]?.time ?? "") - at]);
  });
});
