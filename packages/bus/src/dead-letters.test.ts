import { evaluateSubject, evaluatorConsumer } from "@harness/contracts";
import { useNatsServer, waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeadLetterNotFoundError, PermanentError } from "./errors.js";
import { Job, testBus, testId, type Job as JobMsg } from "./test-fixtures/messages.js";
import type { Bus } from "./types.js";

const nats = useNatsServer();
let bus: Bus;

beforeAll(async () => {
  bus = await testBus(nats.url);
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
});
