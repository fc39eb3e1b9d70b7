import type { JetStreamClient, JsMsg, OrderedConsumerOptions } from "@nats-io/jetstream";

export interface ReadRange {
  filter?: string | undefined;
  /** Exclusive. */
  afterSeq: number;
  limit: number;
}

/**
 * Reads a stream range with an ordered (ephemeral, unacked) consumer. The consumer's pending count
 * says how many messages exist, so an empty range returns at once instead of waiting out a pull.
 */
export async function readRange(js: JetStreamClient, stream: string, range: ReadRange): Promise<JsMsg[]> {
  const opts: Partial<OrderedConsumerOptions> = { opt_start_seq: Math.max(0, range.afterSeq) + 1 };
  if (range.filter !== undefined) opts.filter_subjects = range.filter;
  const consumer = await js.consumers.get(stream, opts);
  try {
    const info = await consumer.info(true);
    const want = Math.min(info.num_pending, range.limit);
    if (want <= 0) return [];
    const out: JsMsg[] = [];
    const iter = await consumer.fetch({ max_messages: want, expires: 10_000 });
    for await (const m of iter) {
      out.push(m);
      if (out.length >= want) break;
    }
    return out;
  } finally {
    // Ordered consumers expire on their own; deleting now just keeps the server tidy.
    consumer.delete().catch(() => undefined);
  }
}
