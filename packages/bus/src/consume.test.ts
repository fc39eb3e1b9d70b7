import { PlanRequested, SUBJECTS, evaluateSubject, evaluatorConsumer, type PlanRequested as Plan } from "@harness/contracts";
import { sleep, useNatsServer, waitFor } from "@harness/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PermanentError } from "./errors.js";
import { Job, planRequested, testBus, testId, type Job as JobMsg } from "./test-fixtures/messages.js";
import type { Bus, DeadLetter, HandlerContext } from "./types.js";

const nats = useNatsServer();
let bus: Bus;
let raw: NatsConnection;

beforeAll(async () => {
  bus = await testBus(nats.as());
  await bus.provision({ evaluators: ["flaky", "slow", "fatal", "parallel", "graceful", "hostage"], ackWaitMs: 1_000, maxDeliver: 5 });
  raw = await connect({ ...nats.as() });
});
afterAll(async () => {
  await raw.close();
  await bus.close();
});

async function deadLettersOf(consumer: string, count: number): Promise<DeadLetter[]> {
  return waitFor(async () => {
    const all = (await bus.dlq.list()).filter((d) => d.consumer === consumer);
    return all.length >= count ? all : undefined;
  }, { what: `${count} dead letters of ${consumer}` });
}

describe("bus - consume", () => {
  it("dead-letters malformed messages from a raw client and still handles the next valid one", async () => {
    const handled: Plan[] = [];
    const consumer = bus.consume("planner", PlanRequested, async (msg) => { handled.push(msg); });
    const js = jetstream(raw);
    await js.publish(SUBJECTS.workPlan, new Uint8Array([0xff, 0x00, 0x7b, 0x22]));
    const notAPlan = JSON.stringify({ ...planRequested(), payload: { prompt: "x", maxSprints: "many", version: 1 } });
    await js.publish(SUBJECTS.workPlan, notAPlan);
    const good = planRequested();
    await bus.publish(PlanRequested, good);

    await waitFor(() => handled.length === 1, { what: "the valid message" });
    const dead = await deadLettersOf("planner", 2);
    await consumer.stop();

    expect(handled[0]?.id).toBe(good.id);
    const [garbage, invalid] = dead;
    expect(garbage?.reason).toMatch(/not valid JSON/);
    expect(invalid?.reason).toMatch(/schema validation/);
    expect(invalid?.reason).toMatch(/expected number/);
    expect(invalid?.reason).toMatch(/payload\.maxSprints/);
    expect(invalid?.payload).toBe(notAPlan);
    expect(invalid).toMatchObject({ originalSubject: SUBJECTS.workPlan, consumer: "planner", deliveries: 1 });
  });

  it("dead-letters a handler that always throws after max deliveries, with the count", async () => {
    const name = evaluatorConsumer("flaky");
    let attempts = 0;
    const consumer = bus.consume(name, Job, async () => {
      attempts += 1;
      throw new Error(`model unavailable (attempt ${attempts})`);
    }, { maxDeliver: 3, backoffMs: [50, 50] });
    await bus.publish(Job, { id: testId(), n: 1 }, { subject: evaluateSubject("flaky") });

    const [dead] = await deadLettersOf(name, 1);
    await consumer.stop();
    expect(attempts).toBe(3);
    expect(dead?.deliveries).toBe(3);
    expect(dead?.reason).toMatch(/delivery 3 of 3: model unavailable \(attempt 3\)/);
  });

  it("dead-letters a PermanentError at once, without retries", async () => {
    const name = evaluatorConsumer("fatal");
    let attempts = 0;
    const consumer = bus.consume(name, Job, async () => {
      attempts += 1;
      throw new PermanentError("contract is unsatisfiable");
    }, { backoffMs: [50] });
    await bus.publish(Job, { id: testId(), n: 2 }, { subject: evaluateSubject("fatal") });
    const [dead] = await deadLettersOf(name, 1);
    await consumer.stop();
    expect(attempts).toBe(1);
    expect(dead?.reason).toMatch(/permanently: contract is unsatisfiable/);
  });

  it("delivers a handler running three times the ack wait exactly once, thanks to progress acks", async () => {
    const name = evaluatorConsumer("slow");
    const deliveries: HandlerContext[] = [];
    let finished = 0;
    const consumer = bus.consume(name, Job, async (_msg, ctx) => {
      deliveries.push(ctx);
      await sleep(3_000);
      finished += 1;
    }, { concurrency: 2 });
    await bus.publish(Job, { id: testId(), n: 3 }, { subject: evaluateSubject("slow") });
    await waitFor(() => finished === 1, { what: "the slow handler", timeoutMs: 10_000 });
    // Past another full ack wait: a redelivery would have shown up by now.
    await sleep(1_500);
    await consumer.stop();
    expect(deliveries.map((d) => d.deliveryCount)).toEqual([1]);
    expect(deliveries[0]?.maxDeliver).toBe(5);
  });

  it("runs up to `concurrency` handlers at once", async () => {
    let inFlight = 0;
    let peak = 0;
    let done = 0;
    const consumer = bus.consume(evaluatorConsumer("parallel"), Job, async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(150);
      inFlight -= 1;
      done += 1;
    }, { concurrency: 3 });
    for (let n = 0; n < 7; n++) await bus.publish(Job, { id: testId(), n }, { subject: evaluateSubject("parallel") });
    await waitFor(() => done === 7, { what: "seven handled messages" });
    await consumer.stop();
    expect(peak).toBe(3);
  });

  it("stop() lets the in-flight handler finish and ack", async () => {
    const name = evaluatorConsumer("graceful");
    let started = 0;
    let finished = 0;
    const consumer = bus.consume(name, Job, async () => {
      started += 1;
      await sleep(300);
      finished += 1;
    });
    await bus.publish(Job, { id: testId(), n: 1 }, { subject: evaluateSubject("graceful") });
    await waitFor(() => started === 1, { what: "the handler to start" });
    await consumer.stop();
    expect(finished).toBe(1);
    await consumer.done;
    // Acks are fire-and-forget and the server applies them asynchronously.
    const info = await waitFor(async () => {
      const i = await bus.jsm.consumers.info("HARNESS_WORK", name);
      return i.num_ack_pending === 0 ? i : undefined;
    }, { what: "the ack to be applied", timeoutMs: 2_000 });
    expect(info.num_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
  });

  it("does not keep prefetched messages waiting behind a handler that turned slow", async () => {
    const name = evaluatorConsumer("hostage");
    const replica = await testBus(nats.as(), "replica-b");
    const handled: number[] = [];
    let slowDone = false;
    // Identical replicas: quick, except message 100 which takes far longer than the prefetch hold.
    const handler = async (msg: JobMsg): Promise<void> => {
      if (msg.n === 100) {
        await sleep(3_000);
        slowDone = true;
      }
      handled.push(msg.n);
    };
    const consumers = [bus.consume(name, Job, handler), replica.consume(name, Job, handler)];
    try {
      const send = async (n: number): Promise<void> => { await bus.publish(Job, { id: testId(), n }, { subject: evaluateSubject("hostage") }); };
      for (let n = 0; n < 30; n++) await send(n);
      await waitFor(() => handled.length === 30, { what: "the quick warm-up messages" });
      for (let n = 100; n < 120; n++) await send(n);
      await waitFor(() => handled.length === 49, { what: "the quick messages after the slow one" });
      expect(slowDone).toBe(false);
      await waitFor(() => slowDone, { what: "the slow handler" });
      expect([...handled].sort((a, b) => a - b)).toEqual([...Array.from({ length: 30 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 100 + i)]);
    } finally {
      await Promise.all(consumers.map((c) => c.stop()));
      await replica.close();
    }
  });
});
