import { connectBus, type Bus, type HandlerContext } from "@harness/bus";
import { ledgerKey, RunLedger, SCHEMA_VERSION, WorkFailed, type PlanRequested, type WorkProgress } from "@harness/contracts";
import { useNatsServer } from "@harness/testkit";
import { pino } from "pino";
import { ModelUnavailableError } from "@harness/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerHandler } from "./worker.js";

const nats = useNatsServer();
let bus: Bus;
const logger = pino({ level: "silent" });
let n = 0;

beforeAll(async () => {
  bus = await connectBus({ ...nats.as(), name: "worker-test", logger });
  await bus.provision();
});
afterAll(async () => { await bus.close(); });

function planWork(): PlanRequested {
  n += 1;
  return {
    id: `w-${process.pid}-${n}`, schemaVersion: SCHEMA_VERSION, type: "plan.requested", runId: `run-${process.pid}-${n}`, sprint: 0, attempt: 0,
    causationId: null, producer: { role: "supervisor", instance: "t" }, time: new Date().toISOString(),
    payload: { prompt: "a notes app", maxSprints: 1, version: 1 },
  };
}

const ctx = { subject: "s", seq: 1, deliveryCount: 1, maxDeliver: 5, headers: {}, traceparent: undefined, working() {}, logger } as unknown as HandlerContext;
const usage = (callId: string) => ({ callId, role: "planner" as const, model: "m", usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0.01 });

describe("worker handler", () => {
  it("stores every call's usage before the work's result event", async () => {
    const msg = planWork();
    const handler = workerHandler<PlanRequested>(bus, { role: "planner", instance: "t" }, async (w) => {
      for (const id of ["c1", "c2", "c3"]) await w.recordUsage(usage(`${msg.id}-${id}`));
      await w.emit(WorkFailed, "work.failed", { role: "planner", work: msg.type, reason: "result stand-in" });
    });
    await handler(msg, ctx);
    const types = (await bus.readRunEvents(msg.runId)).map((e) => (e.message as { type: string }).type);
    expect(types).toEqual(["usage.recorded", "usage.recorded", "usage.recorded", "work.failed"]);
  });

  it("stores every call's usage even when the model gave two calls the same message id (a restarted scripted model, a proxy)", async () => {
    const first = planWork();
    const second = { ...planWork(), runId: first.runId };
    const handler = workerHandler<PlanRequested>(bus, { role: "planner", instance: "t" }, async (w) => {
      await w.recordUsage(usage("msg_01SameIdFromAnotherProcess"));
      await w.recordUsage(usage("msg_01SameIdFromAnotherProcess"));
    });
    await handler(first, ctx);
    await handler(second, ctx);
    const usages = (await bus.readRunEvents(first.runId)).filter((e) => (e.message as { type: string }).type === "usage.recorded");
    expect(usages).toHaveLength(4);
    expect(new Set(usages.map((e) => (e.message as { id: string }).id)).size).toBe(4);
  });

  it("does not finish the work until the usage it recorded is stored, even with no result emitted", async () => {
    const msg = planWork();
    const handler = workerHandler<PlanRequested>(bus, { role: "planner", instance: "t" }, async (w) => {
      await w.recordUsage(usage(`${msg.id}-only`));
    });
    await handler(msg, ctx);
    expect((await bus.readRunEvents(msg.runId)).map((e) => (e.message as { type: string }).type)).toEqual(["usage.recorded"]);
  });

  it("fails the work when a usage record cannot be stored (invalid), rather than losing it silently", async () => {
    const msg = planWork();
    const handler = workerHandler<PlanRequested>(bus, { role: "planner", instance: "t" }, async (w) => {
      await w.recordUsage({ ...usage(`${msg.id}-bad`), costUsd: -1 });
    });
    await expect(handler(msg, ctx)).rejects.toThrow(/costUsd/);
  });

  it("asks for a redelivery while the model is down, and on the last delivery reports it as the model's outage, not the work's failure", async () => {
    const msg = planWork();
    const handler = workerHandler<PlanRequested>(bus, { role: "planner", instance: "t" }, async () => {
      throw new ModelUnavailableError("model endpoint unavailable (status 529)", 10_000, { status: 529 });
    });
    await expect(handler(msg, { ...ctx, deliveryCount: 4 } as HandlerContext)).rejects.toThrow(/status 529/);
    expect(await bus.readRunEvents(msg.runId)).toEqual([]);
    // The last delivery is acked: the supervisor holds the work for a resume instead.
    await handler(msg, { ...ctx, deliveryCount: 5 } as HandlerContext);
    const events = (await bus.readRunEvents(msg.runId)).map((e) => e.message as WorkFailed);
    expect(events.map((e) => [e.type, e.payload.code])).toEqual([["work.failed", "MODEL_UNAVAILABLE"]]);
    expect(events[0]?.payload.reason).toMatch(/^the model stayed unavailable over 5 deliveries: model endpoint unavailable \(status 529\)/);
  });

  it("says it is still at the work while a long handler runs, and stops saying so when it ends", async () => {
    const msg = planWork();
    const handler = workerHandler<PlanRequested>(bus, { role: "planner", instance: "t" }, async () => {
      await new Promise((r) => setTimeout(r, 260));
    }, { progressEveryMs: 100 });
    await handler(msg, ctx);
    await new Promise((r) => setTimeout(r, 250));
    const events = (await bus.readRunEvents(msg.runId)).map((e) => e.message as WorkProgress);
    expect(events.map((e) => [e.type, e.payload.role, e.payload.work])).toEqual([["work.progress", "planner", "plan.requested"], ["work.progress", "planner", "plan.requested"]]);
    expect(events[1]!.payload.elapsedMs).toBeGreaterThan(events[0]!.payload.elapsedMs);
    expect(events.map((e) => e.causationId)).toEqual([msg.id, msg.id]);
  });

  it("names the evaluator (from the work subject) in what it reports about an evaluation, so a late report of one evaluator is told from another's", async () => {
    const msg = planWork();
    const handler = workerHandler<PlanRequested>(bus, { role: "evaluator", instance: "t" }, async () => {
      throw new ModelUnavailableError("model endpoint unavailable (status 500)", 1_000, { status: 500 });
    });
    await handler(msg, { ...ctx, subject: "harness.work.evaluate.style", deliveryCount: 5 } as HandlerContext);
    const [failed] = (await bus.readRunEvents(msg.runId)).map((e) => e.message as WorkFailed);
    expect(failed?.payload).toMatchObject({ role: "evaluator", evaluator: "style", code: "MODEL_UNAVAILABLE" });
  });

  it("reserves a model call durably before it is sent and settles it with its usage; a refused call carries the numbers behind the refusal", async () => {
    const msg = planWork();
    await bus.runs.put(ledgerKey(msg.runId), RunLedger.parse({
      id: msg.runId, status: "running", budget: { maxCostUsd: 1, maxTokens: 1_000_000, maxWallClockMs: 60_000 }, models: {},
      usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0.5, calls: 1, reservedUsd: 0.2 },
    }));
    const call = { role: "planner" as const, model: "scripted-1" };
    let storedBeforeSend: string[] = [];
    const handler = workerHandler<PlanRequested>(bus, { role: "planner", instance: "t" }, async (w) => {
      const r = await w.budget.reserve({ costUsd: 0.1, tokens: 100 }, call);
      if (!r) throw new Error("no reservation");
      // What the model would see stored at the moment the request goes out.
      storedBeforeSend = (await bus.readRunEvents(msg.runId)).map((e) => (e.message as { type: string }).type);
      await w.recordUsage({ ...usage("msg-1"), reservationId: r.id });
      // $0.5 charged + $0.2 reserved in the ledger + this work's own $0.01: a $0.3 call could cross $1.
      await w.budget.reserve({ costUsd: 0.3, tokens: 100 }, call);
    });
    await handler(msg, ctx);
    expect(storedBeforeSend).toEqual(["usage.reserved"]);
    const events = (await bus.readRunEvents(msg.runId)).map((e) => e.message as { type: string; payload: Record<string, unknown> });
    expect(events.map((e) => e.type)).toEqual(["usage.reserved", "usage.recorded", "budget.exceeded"]);
    expect(events[1]?.payload["reservationId"]).toBe(events[0]?.payload["reservationId"]);
    expect(events[2]?.payload).toMatchObject({ kind: "cost", limit: 1, refused: { role: "planner", model: "scripted-1", spent: 0.51, reserved: 0.2, worstCase: 0.3 } });
  });
});
