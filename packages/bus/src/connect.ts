import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { inboxPrefix } from "@harness/contracts";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import type { z } from "zod";
import { AckPublisher } from "./ack-publisher.js";
import { createArtifactStore } from "./artifacts.js";
import { ConsumerRunner } from "./consumer.js";
import { createDeadLetters } from "./dead-letters.js";
import { readRunEvents, tailRunEvents } from "./events.js";
import { ensureEvaluator, provisionAll, resolveLimits, type ConsumerLimits } from "./provision.js";
import { publishMessage } from "./publish.js";
import { createRunStore } from "./runs.js";
import type { Bus, BusConsumer, ConnectOptions, Handler, Tail } from "./types.js";

/** Connects to NATS and returns the typed bus; reconnects forever, as services outlive server restarts. */
export async function connectBus(opts: ConnectOptions): Promise<Bus> {
  const logger = opts.logger ?? pino({ name: opts.name, level: process.env["LOG_LEVEL"] ?? "info" });
  // Replies on the user's own prefix, the only inbox its permissions let it read.
  const replies = opts.inboxPrefix ?? (opts.user !== undefined ? inboxPrefix(opts.user) : undefined);
  const nc = await connect({
    servers: opts.url,
    name: opts.name,
    maxReconnectAttempts: -1,
    // A restarted server is usually back within a second; the default 2 s wait doubles the outage.
    reconnectTimeWait: 250,
    // The client would build an Error per request just for an async stack trace; bus errors say
    // what failed on their own, and the hot path is cheaper without it.
    noAsyncTraces: true,
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.pass !== undefined ? { pass: opts.pass } : {}),
    ...(replies !== undefined ? { inboxPrefix: replies } : {}),
  });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const publisher = new AckPublisher(nc);
  const consumers = new Set<ConsumerRunner>();
  const tails = new Set<Tail>();
  let limits: ConsumerLimits = resolveLimits();
  let closing: Promise<void> | undefined;

  const bus: Bus = {
    nc, js, jsm, logger,
    async provision(popts = {}) {
      const next = resolveLimits(popts);
      await provisionAll(js, jsm, popts);
      limits = next;
    },
    ensureEvaluatorConsumer: (name) => ensureEvaluator(jsm, name, limits),
    publish: (schema, msg, popts) => publishMessage(publisher, schema, msg, popts),
    consume<S extends z.ZodType>(consumer: string, schema: S, handler: Handler<S>, copts = {}): BusConsumer {
      const runner = new ConsumerRunner(nc, js, consumer, schema, handler as Handler<z.ZodType>, copts, logger);
      consumers.add(runner);
      void runner.done.then(() => consumers.delete(runner));
      return runner;
    },
    runs: createRunStore(js, publisher),
    artifacts: createArtifactStore(js, jsm),
    dlq: createDeadLetters(js, jsm),
    readRunEvents: (runId, ropts) => readRunEvents(js, runId, ropts),
    async tailRunEvents(runId, afterSeq, onEvent) {
      const tail = await tailRunEvents(js, runId, afterSeq, onEvent, logger);
      tails.add(tail);
      return { stop: async () => { tails.delete(tail); await tail.stop(); } };
    },
    close() {
      closing ??= (async () => {
        // Handlers finish (and ack) before the connection goes; a drained connection cannot ack.
        await Promise.allSettled([...consumers].map((c) => c.stop()));
        await Promise.allSettled([...tails].map((t) => t.stop()));
        publisher.close();
        if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
      })();
      return closing;
    },
  };
  return bus;
}
