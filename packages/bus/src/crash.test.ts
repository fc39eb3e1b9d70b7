import { evaluateSubject, evaluatorConsumer } from "@harness/contracts";
import { useNatsServer, waitFor } from "@harness/testkit";
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Job, testBus, testId } from "./test-fixtures/messages.js";
import type { Bus } from "./types.js";

const nats = useNatsServer();
let bus: Bus;
let child: ChildProcess | undefined;

beforeAll(async () => {
  bus = await testBus(nats.as());
  await bus.provision({ evaluators: ["crash"], ackWaitMs: 1_500 });
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await bus.close();
});

/** One node process (no tsx CLI wrapper), so SIGKILL hits the process holding the message. */
function startSlowConsumer(durable: string): { proc: ChildProcess; output: () => string } {
  const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const script = fileURLToPath(new URL("./test-fixtures/slow-consumer.ts", import.meta.url));
  const proc = spawn(process.execPath, ["--import", loader, script, nats.url, durable], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...nats.envFor("harness-admin") } });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
  proc.stderr?.on("data", (d: Buffer) => { out += d.toString(); });
  return { proc, output: () => out };
}

describe("bus - crash", () => {
  it("redelivers a message whose consumer process was SIGKILLed mid-message to another consumer", async () => {
    const durable = evaluatorConsumer("crash");
    const slow = startSlowConsumer(durable);
    child = slow.proc;
    await waitFor(() => slow.output().includes("ready"), { what: "the child consumer", timeoutMs: 20_000 });
    const job = { id: testId(), n: 9 };
    await bus.publish(Job, job, { subject: evaluateSubject("crash") });
    await waitFor(() => slow.output().includes(`received ${job.id} 1`), { what: `the child to take the message; output: ${slow.output()}` });

    const exited = new Promise((resolve) => slow.proc.once("exit", (_code, signal) => resolve(signal)));
    slow.proc.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const handled: { id: string; deliveryCount: number }[] = [];
    const consumer = bus.consume(durable, Job, async (msg, ctx) => { handled.push({ id: msg.id, deliveryCount: ctx.deliveryCount }); });
    await waitFor(() => handled.length > 0, { what: "the redelivery", timeoutMs: 10_000 });
    await consumer.stop();
    expect(handled).toEqual([{ id: job.id, deliveryCount: 2 }]);
  });

  it("dead-letters a message whose last allowed attempt died with its process", async () => {
    await bus.provision({ evaluators: ["crash-last"], ackWaitMs: 1_500, maxDeliver: 1 });
    const durable = evaluatorConsumer("crash-last");
    const slow = startSlowConsumer(durable);
    child = slow.proc;
    await waitFor(() => slow.output().includes("ready"), { what: "the child consumer", timeoutMs: 20_000 });
    const job = { id: testId(), n: 10 };
    await bus.publish(Job, job, { subject: evaluateSubject("crash-last") });
    await waitFor(() => slow.output().includes(`received ${job.id} 1`), { what: "the child to take the message" });
    slow.proc.kill("SIGKILL");

    let handled = 0;
    const consumer = bus.consume(durable, Job, async () => { handled += 1; });
    const dead = await waitFor(async () => (await bus.dlq.list()).find((d) => d.consumer === durable), { what: "the dead letter" });
    await consumer.stop();
    expect(handled).toBe(0);
    expect(dead).toMatchObject({ deliveries: 2 });
    expect(dead.reason).toMatch(/never finished/);
  });
});
