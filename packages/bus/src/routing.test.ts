import { CONSUMERS, EventMessage, eventSubject, evaluateSubject, SUBJECTS } from "@harness/contracts";
import { waitFor } from "@harness/testkit";
import { describe, expect, it } from "vitest";
import { RoutingError } from "./errors.js";
import { subjectFor, subjectMismatch } from "./routing.js";
import { planRequested, runControl, useProvisionedBus, testId, verdictProduced } from "./test-fixtures/messages.js";
import type { Bus, DeadLetter } from "./types.js";

describe("bus - routing: an envelope and its subject", () => {
  it("accepts every envelope on the subject publish would choose for it", () => {
    for (const msg of [planRequested("run-a"), runControl("run-a", "hold on"), verdictProduced("run-a", "x")]) {
      expect(subjectMismatch(subjectFor(msg), msg)).toBeUndefined();
    }
    expect(subjectFor(verdictProduced("run-a", "x"))).toBe("harness.events.run-a.verdict.produced.evaluator.x");
  });

  it("names a verdict sent on the generator's build.produced subject as a mismatch, with where it belongs", () => {
    const forged = verdictProduced("run-a", "core");
    expect(subjectMismatch(eventSubject("run-a", "build.produced", { role: "generator" }), forged)).toBe(
      "subject does not match the envelope: a verdict.produced of run run-a belongs on harness.events.run-a.verdict.produced.evaluator.core, not harness.events.run-a.build.produced.generator",
    );
  });

  it("refuses an envelope of another run, and a verdict under another evaluator's name", () => {
    expect(subjectMismatch(eventSubject("run-b", "run.control", { role: "supervisor" }), runControl("run-a", "x"))).toMatch(/belongs on harness\.events\.run-a\.run\.control\.supervisor/);
    expect(subjectMismatch(eventSubject("run-a", "verdict.produced", { role: "evaluator", evaluator: "x" }), verdictProduced("run-a", "core"))).toMatch(/verdict\.produced\.evaluator\.core, not/);
  });

  it("takes evaluation work on any evaluator's queue, and no other work off its own subject", () => {
    const evaluation = { ...planRequested("run-a"), type: "evaluation.requested" };
    expect(subjectMismatch(evaluateSubject("license"), evaluation)).toBeUndefined();
    expect(subjectMismatch(SUBJECTS.workPlan, evaluation)).toMatch(/belongs on harness\.work\.evaluate\.core/);
    expect(subjectMismatch(evaluateSubject("core"), planRequested("run-a"))).toMatch(/belongs on harness\.work\.plan, not harness\.work\.evaluate\.core/);
  });

  it("holds no subject against a message of a type contracts do not route, and says so for one it cannot route", () => {
    expect(subjectMismatch("anything.at.all", { id: "x", n: 1 })).toBeUndefined();
    expect(subjectMismatch(eventSubject("run-a", "verdict.produced"), { type: "verdict.produced", runId: "run-a" })).toMatch(/no subject follows from its fields/);
  });
});

describe("bus - routing on a real server", () => {
  let bus: Bus;
  useProvisionedBus((b) => { bus = b; });

  it("refuses to publish an envelope on a subject other than its own, and sends nothing", async () => {
    const before = (await bus.jsm.streams.info("HARNESS_EVENTS")).state.messages;
    const forged = verdictProduced(testId("run"));
    await expect(bus.publish(EventMessage, forged, { subject: eventSubject(forged.runId, "build.produced", { role: "generator" }) })).rejects.toBeInstanceOf(RoutingError);
    expect((await bus.jsm.streams.info("HARNESS_EVENTS")).state.messages).toBe(before);
  });

  it("dead-letters a forged verdict published raw on build.produced without handing it over, and handles the next real event", async () => {
    const runId = testId("run");
    const handled: string[] = [];
    const consumer = bus.consume(CONSUMERS.supervisor, EventMessage, async (e) => { handled.push(e.id); });
    const forged = verdictProduced(runId);
    await bus.js.publish(eventSubject(runId, "build.produced", { role: "generator" }), JSON.stringify(forged));
    const real = runControl(runId, "after the forgery");
    await bus.publish(EventMessage, real);
    await waitFor(() => handled.includes(real.id), { what: "the real event" });
    const dead = await waitFor(async () => (await bus.dlq.list()).find((d: DeadLetter) => d.consumer === CONSUMERS.supervisor), { what: "the dead letter" });
    await consumer.stop();
    expect(handled).toEqual([real.id]);
    expect(dead).toMatchObject({ originalSubject: eventSubject(runId, "build.produced", { role: "generator" }), deliveries: 1 });
    expect(dead.reason).toBe(`subject does not match the envelope: a verdict.produced of run ${runId} belongs on ${eventSubject(runId, "verdict.produced", { role: "evaluator", evaluator: "core" })}, not ${eventSubject(runId, "build.produced", { role: "generator" })}`);
    expect(JSON.parse(dead.payload)).toEqual(forged);
  });
});
