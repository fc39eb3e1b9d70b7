import { STREAMS, runEventsFilter } from "@harness/contracts";
import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { DEFAULT_READ_LIMIT } from "./defaults.js";
import { readRange } from "./stream-read.js";
import type { ReadEventsOptions, StoredEvent, Tail } from "./types.js";

export function toStoredEvent(m: JsMsg): StoredEvent {
  let message: unknown;
  try {
    message = m.json<unknown>();
  } catch {
    message = m.string();
  }
  return { seq: m.seq, subject: m.subject, time: m.time.toISOString(), message };
}

export async function readRunEvents(js: JetStreamClient, runId: string, opts: ReadEventsOptions = {}): Promise<StoredEvent[]> {
  const msgs = await readRange(js, STREAMS.events, {
    filter: runEventsFilter(runId), afterSeq: opts.afterSeq ?? 0, limit: opts.limit ?? DEFAULT_READ_LIMIT,
  });
  return msgs.map(toStoredEvent);
}

/** Follows a run's events live with an ordered consumer, which re-creates itself on gaps. */
export async function tailRunEvents(
  js: JetStreamClient, runId: string, afterSeq: number, onEvent: (e: StoredEvent) => void, logger: Logger,
): Promise<Tail> {
  const consumer = await js.consumers.get(STREAMS.events, {
    filter_subjects: runEventsFilter(runId), opt_start_seq: Math.max(0, afterSeq) + 1,
  });
  let messages: ConsumerMessages | undefined;
  messages = await consumer.consume({
    callback: (m) => {
      try {
        onEvent(toStoredEvent(m));
      } catch (err) {
        // A broken SSE client must not end the tail for the others.
        logger.warn({ err, runId, seq: m.seq }, "tail listener threw");
      }
    },
  });
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        messages?.stop();
        messages = undefined;
        await consumer.delete().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
