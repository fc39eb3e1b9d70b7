import { connectBus, type Bus, type DeadLetter } from "@harness/bus";
import { SUBJECTS, TERMINAL_STATUSES, evaluateSubject, eventSubject } from "@harness/contracts";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../packages/logger/src/index.js";
import { exited } from "./support/chaos-procs.js";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

/** Every subject a service consumes from, with the consumer that reads it. */
const SUBJECTS_CONSUMED = [
  SUBJECTS.workPlan, SUBJECTS.workContract, SUBJECTS.workBuild, SUBJECTS.workReview, evaluateSubject("core"),
  eventSubject("garbage-run", "x"),
];
const PER_SUBJECT = 25;

/** Bytes that are not JSON, JSON that is no message, and messages cut short. */
const garbage = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 400 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => new TextEncoder().encode(JSON.stringify(v) ?? "null")),
  fc.string({ maxLength: 400 }).map((s) => new TextEncoder().encode(`{"type":"plan.requested","id":${s}`)),
);

describe("fuzz - garbage bytes published to the real services", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let bus: Bus;

  beforeAll(async () => {
    model = await startScriptedModel({ script: tinyProgramScript() });
    stack = await startStack({ modelUrl: model.url });
    bus = await connectBus({ ...stack.nats.as(), name: "garbage-sender", logger: createLogger("garbage", { level: "silent" }) });
  });

  afterAll(async () => {
    await bus?.close();
    await stack?.stop();
    await model?.close();
  });

  it("every garbage message on every consumed subject is dead-lettered with its reason, every service stays up, and a valid run still completes", async () => {
    const sent = new Map<string, number>();
    for (const subject of SUBJECTS_CONSUMED) {
      for (const bytes of fc.sample(garbage, PER_SUBJECT)) {
        await bus.js.publish(subject, bytes);
        sent.set(subject, (sent.get(subject) ?? 0) + 1);
      }
    }
    const total = SUBJECTS_CONSUMED.length * PER_SUBJECT;
    const letters = await waitFor(async () => {
      const list = await bus.dlq.list({ limit: 10_000 });
      return list.length >= total ? list : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250, what: `${total} dead letters` });

    expect(letters).toHaveLength(total);
    for (const subject of SUBJECTS_CONSUMED) {
      const mine = letters.filter((l: DeadLetter) => l.originalSubject === subject);
      expect(mine, subject).toHaveLength(sent.get(subject) ?? 0);
      for (const l of mine) {
        expect(l.reason, subject).toMatch(/^payload (is not valid JSON|failed schema validation): \S/);
        expect(l.deliveries).toBe(1);
      }
    }
    expect(stack.services.filter(exited).map((s) => s.name)).toEqual([]);

    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply", options: { maxAttemptsPerSprint: 3 } });
    expect(created.status).toBe(201);
    const run = await waitFor(async () => {
      const { body } = await api<{ status: string; reason: string }>(stack, "GET", `/runs/${created.body.id}`);
      return (TERMINAL_STATUSES as readonly string[]).includes(body.status) ? body : undefined;
    }, { timeoutMs: 40_000, intervalMs: 250, what: "the valid run to finish" });
    expect(run.status, run.reason).toBe("completed");
    expect(stack.services.filter(exited).map((s) => s.name)).toEqual([]);
  });
});
