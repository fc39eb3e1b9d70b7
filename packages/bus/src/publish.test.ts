import { HEADERS, PlanRequested, STREAMS, SUBJECTS } from "@harness/contracts";

import { beforeEach, describe, expect, it } from "vitest";
import { RoutingError, ValidationError } from "./errors.js";
import { Job, planRequested, useProvisionedBus, testId } from "./test-fixtures/messages.js";
import type { Bus } from "./types.js";

let bus: Bus;
useProvisionedBus((b) => { bus = b; });
beforeEach(async () => { await bus.jsm.streams.purge(STREAMS.work); });

async function workCount(): Promise<number> {
  return (await bus.jsm.streams.info(STREAMS.work)).state.messages;
}

describe("bus - publish", () => {
  it("rejects an invalid payload before anything is sent", async () => {
    const before = await workCount();
    const bad = { ...planRequested(), payload: { prompt: "", maxSprints: 0, version: 1 } };
    await expect(bus.publish(PlanRequested, bad)).rejects.toBeInstanceOf(ValidationError);
    await expect(bus.publish(PlanRequested, bad)).rejects.toThrow(/maxSprints/);
    expect(await workCount()).toBe(before);
  });

  it("stores a duplicate id once", async () => {
    const msg = planRequested();
    const first = await bus.publish(PlanRequested, msg);
    const second = await bus.publish(PlanRequested, msg);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ seq: first.seq, duplicate: true });
    expect(await workCount()).toBe(1);
  });

  it("routes by message type and sets the msg id, type and traceparent headers", async () => {
    const msg = planRequested();
    const { seq } = await bus.publish(PlanRequested, msg);
    const stored = await bus.jsm.streams.getMessage(STREAMS.work, { seq });
    expect(stored?.subject).toBe(SUBJECTS.workPlan);
    expect(stored?.header.get("Nats-Msg-Id")).toBe(msg.id);
    expect(stored?.header.get(HEADERS.messageType)).toBe("plan.requested");
    expect(stored?.header.get(HEADERS.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("propagates a given traceparent and honours an explicit subject", async () => {
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const { seq } = await bus.publish(Job, { id: testId(), n: 1 }, { traceparent: tp, subject: "harness.work.evaluate.custom" });
    const stored = await bus.jsm.streams.getMessage(STREAMS.work, { seq });
    expect(stored?.subject).toBe("harness.work.evaluate.custom");
    expect(stored?.header.get(HEADERS.traceparent)).toBe(tp);
  });

  it("refuses an explicit subject other than the envelope's own, before anything is sent", async () => {
    const before = await workCount();
    await expect(bus.publish(PlanRequested, planRequested(), { subject: "harness.work.evaluate.custom" })).rejects.toBeInstanceOf(RoutingError);
    await expect(bus.publish(PlanRequested, planRequested(), { subject: "harness.work.evaluate.custom" })).rejects.toThrow(/belongs on harness\.work\.plan/);
    expect(await workCount()).toBe(before);
  });

  it("rejects a publish to a subject no stream captures", async () => {
    await expect(bus.publish(Job, { id: testId(), n: 1 }, { subject: "nowhere.at.all" })).rejects.toThrow(/no responders/);
  });
});
