import { HEADERS, SUBJECTS, dlqSubject, evaluateSubject, evaluatorConsumer } from "@harness/contracts";
import { useNatsServer, waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headers } from "@nats-io/transport-node";
import { DeadLetterNotFoundError, PermanentError, RoutingError } from "./errors.js";
import { Job, planRequested, testBus, testId, type Job as JobMsg } from "./test-fixtures/messages.js";
import type { Bus } from "./types.js";

const nats = useNatsServer();
let bus: Bus;

beforeAll(async () => {
  bus = await testBus(nats.as());
  await bus.provision({ evaluators: ["redrive"] });
});
afterAll(async () => { await bus.close(); });

describe("bus - dead letters", () => {
  it("lists dead letters and redrives one to be handled", async () => {
    let broken = true;
    const handled: JobMsg[] = [];
    const name = evaluatorConsumer("redrive");
    const consumer = bus.consume(name, Job, async (msg) => {
      if (broken) throw new PermanentError("evaluator misconfigured");
      handled.push(msg);
    });
    const job = { id: testId(), n: 7 };
    await bus.publish(Job, job, { subject: evaluateSubject("redrive") });

    const [dead] = await waitFor(async () => {
      const list = await bus.dlq.list();
      return list.length > 0 ? list : undefined;
    }, { what: "a dead letter" });
    expect(dead).toMatchObject({
      subject: `harness.dlq.${name}`, originalSubject: evaluateSubject("redrive"), consumer: name, deliveries: 1,
    });
    expect(JSON.parse(dead?.payload ?? "")).toEqual(job);
    expect(await bus.dlq.get(dead?.seq ?? 0)).toEqual(dead);

    broken = false;
    await bus.dlq.redrive(dead?.seq ?? 0);
    await waitFor(() => handled.length === 1, { what: "the redriven message" });
    await consumer.stop();

    expect(handled[0]).toEqual(job);
    expect(await bus.dlq.get(dead?.seq ?? 0)).toBeNull();
    expect(await bus.dlq.list()).toEqual([]);
    await expect(bus.dlq.redrive(dead?.seq ?? 0)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
  });

  it("keeps a dead letter, rather than redrive it, when it names a subject its consumer does not read", async () => {
    // Any worker may file letters on its own DLQ subject, and the headers are its to write.
    const h = headers();
    h.set(HEADERS.dlqSubject, SUBJECTS.workPlan);
    h.set(HEADERS.dlqConsumer, "planner");
    const forged = await bus.js.publish(dlqSubject(evaluatorConsumer("redrive")), JSON.stringify(planRequested()), { headers: h });
    const before = (await bus.jsm.streams.info("HARNESS_WORK")).state.messages;
    await expect(bus.dlq.redrive(forged.seq)).rejects.toBeInstanceOf(RoutingError);
    await expect(bus.dlq.redrive(forged.seq)).rejects.toThrow(/names harness\.work\.plan .* "evaluator-redrive" does not read/);
    expect((await bus.jsm.streams.info("HARNESS_WORK")).state.messages).toBe(before);
    expect(await bus.dlq.get(forged.seq)).not.toBeNull();
  });

  it("keeps a dead letter whose consumer no longer exists, and says so", async () => {
    const h = headers();
    h.set(HEADERS.dlqSubject, evaluateSubject("gone"));
    const letter = await bus.js.publish(dlqSubject(evaluatorConsumer("gone")), JSON.stringify({ id: testId(), n: 1 }), { headers: h });
    await expect(bus.dlq.redrive(letter.seq)).rejects.toThrow(/filed by consumer "evaluator-gone", which no longer exists on HARNESS_WORK: not redriven/);
    expect(await bus.dlq.get(letter.seq)).not.toBeNull();
  });
});
