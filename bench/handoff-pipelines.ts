/**
 * The two sides of the bus-handoff benchmark. Each is three connections (producer, worker,
 * collector) doing: publish work -> consume -> publish result -> ack -> consume result -> ack.
 */
import { connectBus } from "@harness/bus";
import { CONSUMERS, PlanRequested, SCHEMA_VERSION, UsageRecorded } from "@harness/contracts";
import { AckPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type ConsumerMessages } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import { pino } from "pino";

export type Work = PlanRequested;

export interface Pipeline {
  name: string;
  send(msg: Work): Promise<void>;
  /** Resolves when the result caused by work `id` has been consumed. */
  arrival(id: string): Promise<void>;
  close(): Promise<void>;
}

const PROMPT = "a pixel-art sprite editor with layers, undo/redo, a palette and PNG export; keep it in one page";

export function workMessage(id: string): Work {
  return {
    id, schemaVersion: SCHEMA_VERSION, runId: "bench-run", sprint: 0, attempt: 0, causationId: null,
    producer: { role: "supervisor", instance: "bench" }, time: new Date().toISOString(), type: "plan.requested",
    payload: { prompt: PROMPT, maxSprints: 5, version: 1 },
  };
}

function resultOf(work: Work): UsageRecorded {
  return {
    id: `${work.id}-u`, schemaVersion: SCHEMA_VERSION, runId: work.runId, sprint: 0, attempt: 0, causationId: work.id,
    producer: { role: "planner", instance: "bench" }, time: new Date().toISOString(), type: "usage.recorded",
    payload: {
      callId: work.id, role: "planner", model: "claude-bench", costUsd: 0.0123,
      usage: { inputTokens: 1200, outputTokens: 800, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    },
  };
}

class Arrivals {
  private readonly waiting = new Map<string, () => void>();
  wait(id: string): Promise<void> {
    return new Promise((resolve) => { this.waiting.set(id, resolve); });
  }
  arrive(id: string | null): void {
    if (id === null) return;
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.();
  }
}

export async function busPipeline(url: string): Promise<Pipeline> {
  const logger = pino({ level: "silent" });
  const [producer, worker, collector] = await Promise.all(
    ["producer", "worker", "collector"].map((role) => connectBus({ url, name: `bench-bus-${role}`, logger })),
  ) as [Awaited<ReturnType<typeof connectBus>>, Awaited<ReturnType<typeof connectBus>>, Awaited<ReturnType<typeof connectBus>>];
  await producer.provision();
  const arrivals = new Arrivals();
  const work = worker.consume(CONSUMERS.planner, PlanRequested, async (msg, ctx) => {
    await worker.publish(UsageRecorded, resultOf(msg), { traceparent: ctx.traceparent });
  });
  const results = collector.consume(CONSUMERS.supervisor, UsageRecorded, async (msg) => { arrivals.arrive(msg.causationId); });
  return {
    name: "bus",
    send: async (msg) => { await producer.publish(PlanRequested, msg); },
    arrival: (id) => arrivals.wait(id),
    close: async () => {
      await Promise.all([work.stop(), results.stop()]);
      await Promise.all([producer.close(), worker.close(), collector.close()]);
    },
  };
}

/** The same handoff written the way the notes show it on the bare client: no validation, no headers but the msg id. */
export async function rawPipeline(url: string): Promise<Pipeline> {
  const [ncP, ncW, ncC] = await Promise.all(["producer", "worker", "collector"].map((role) => connect({ servers: url, name: `bench-raw-${role}` })));
  if (!ncP || !ncW || !ncC) throw new Error("raw connections failed");
  const jsm = await jetstreamManager(ncP);
  const dup = nanos(10 * 60_000);
  await jsm.streams.add({ name: "RAW_WORK", subjects: ["raw.work.>"], retention: RetentionPolicy.Workqueue, storage: StorageType.File, duplicate_window: dup });
  await jsm.streams.add({ name: "RAW_EVENTS", subjects: ["raw.events.>"], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: dup });
  const durable = { ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_deliver: 6 };
  await jsm.consumers.add("RAW_WORK", { durable_name: "raw-worker", filter_subject: "raw.work.plan", ...durable });
  await jsm.consumers.add("RAW_EVENTS", { durable_name: "raw-collector", filter_subject: "raw.events.>", ...durable });

  const jsP = jetstream(ncP);
  const jsW = jetstream(ncW);
  const arrivals = new Arrivals();
  const workMsgs: ConsumerMessages = await (await jsW.consumers.get("RAW_WORK", "raw-worker")).consume();
  const resultMsgs: ConsumerMessages = await (await jetstream(ncC).consumers.get("RAW_EVENTS", "raw-collector")).consume();
  const loops = [
    (async () => {
      for await (const m of workMsgs) {
        const w = m.json<Work>();
        const r = resultOf(w);
        await jsW.publish(`raw.events.${w.runId}.usage.recorded`, JSON.stringify(r), { msgID: r.id });
        m.ack();
      }
    })(),
    (async () => {
      for await (const m of resultMsgs) {
        arrivals.arrive(m.json<UsageRecorded>().causationId);
        m.ack();
      }
    })(),
  ];
  return {
    name: "raw",
    send: async (msg) => { await jsP.publish("raw.work.plan", JSON.stringify(msg), { msgID: msg.id }); },
    arrival: (id) => arrivals.wait(id),
    close: async () => {
      workMsgs.stop();
      resultMsgs.stop();
      await Promise.all(loops);
      await Promise.all([ncP.drain(), ncW.drain(), ncC.drain()]);
    },
  };
}
