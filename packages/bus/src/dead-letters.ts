import { HEADERS, STREAMS, SUBJECTS, dlqSubject } from "@harness/contracts";
import type { JetStreamClient, JetStreamManager, JsMsg, StoredMsg } from "@nats-io/jetstream";
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { BUS_HEADERS, DEFAULT_DLQ_LIST_LIMIT, DLQ_PAYLOAD_PREVIEW_BYTES, DLQ_REASON_MAX_CHARS } from "./defaults.js";
import { DeadLetterNotFoundError, RoutingError } from "./errors.js";
import { oneLine } from "./headers.js";
import { API_CODES, isApiError } from "./nats-errors.js";
import { streamOfConsumer, subjectMatches } from "./routing.js";
import { readRange } from "./stream-read.js";
import type { DeadLetter, DeadLetters } from "./types.js";

const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set([
  HEADERS.dlqReason, HEADERS.dlqSubject, HEADERS.dlqDeliveries, HEADERS.dlqConsumer,
  BUS_HEADERS.dlqStream, BUS_HEADERS.dlqStreamSeq, BUS_HEADERS.msgId,
].map((h) => h.toLowerCase()));

function copyHeaders(from: MsgHdrs | undefined): MsgHdrs {
  const h = headers();
  if (!from) return h;
  for (const [k, values] of from) {
    if (DLQ_HEADER_NAMES.has(k.toLowerCase())) continue;
    for (const v of values) h.append(k, v);
  }
  return h;
}

/** Keeps the original bytes and headers, adds why, where from and after how many deliveries. */
export async function sendToDeadLetters(js: JetStreamClient, m: JsMsg, consumer: string, reason: string): Promise<void> {
  const h = copyHeaders(m.headers);
  h.set(HEADERS.dlqReason, oneLine(reason, DLQ_REASON_MAX_CHARS));
  h.set(HEADERS.dlqSubject, m.subject);
  h.set(HEADERS.dlqDeliveries, String(m.info.deliveryCount));
  h.set(HEADERS.dlqConsumer, consumer);
  h.set(BUS_HEADERS.dlqStream, m.info.stream);
  h.set(BUS_HEADERS.dlqStreamSeq, String(m.seq));
  // Keyed by the original position: a crash between this publish and term() must not file it twice.
  await js.publish(dlqSubject(consumer), m.data, { headers: h, msgID: `dlq-${consumer}-${m.info.stream}-${m.seq}` });
}

const decoder = new TextDecoder();

function toDeadLetter(seq: number, subject: string, time: Date, h: MsgHdrs | undefined, data: Uint8Array): DeadLetter {
  const get = (k: string): string => h?.get(k) ?? "";
  return {
    seq,
    subject,
    originalSubject: get(HEADERS.dlqSubject),
    consumer: get(HEADERS.dlqConsumer),
    reason: get(HEADERS.dlqReason),
    deliveries: Number(get(HEADERS.dlqDeliveries)) || 0,
    time: time.toISOString(),
    payload: decoder.decode(data.subarray(0, DLQ_PAYLOAD_PREVIEW_BYTES)),
  };
}

/**
 * A dead letter's original subject is only a header, and every worker may file dead letters, headers
 * and all, on its own `harness.dlq.<consumer>`. Redriving republishes with the supervisor's rights,
 * so a letter goes back only to a subject its consumer reads: the subject it was filed on names the
 * consumer (permissions bind that), and the server says what that consumer reads.
 */
async function checkRedrivable(jsm: JetStreamManager, seq: number, filedOn: string, target: string): Promise<void> {
  const consumer = filedOn.slice(SUBJECTS.dlqPrefix.length + 1);
  const stream = streamOfConsumer(consumer);
  const info = await jsm.consumers.info(stream, consumer).catch((err: unknown) => {
    if (isApiError(err, API_CODES.consumerNotFound)) return null;
    throw err;
  });
  if (info === null) throw new RoutingError(`dead letter ${seq} was filed by consumer "${consumer}", which no longer exists on ${stream}: not redriven (start the service that owns it, then redrive)`);
  let reads = info.config.filter_subjects ?? (info.config.filter_subject ? [info.config.filter_subject] : []);
  if (reads.length === 0) reads = (await jsm.streams.info(stream)).config.subjects;
  if (!reads.some((pattern) => subjectMatches(pattern, target))) {
    throw new RoutingError(`dead letter ${seq} names ${target} as its subject, which its consumer "${consumer}" does not read: not redriven`);
  }
}

export function createDeadLetters(js: JetStreamClient, jsm: JetStreamManager): DeadLetters {
  const load = (seq: number): Promise<StoredMsg | null> => jsm.streams.getMessage(STREAMS.dlq, { seq });
  return {
    async list(opts = {}) {
      const msgs = await readRange(js, STREAMS.dlq, { afterSeq: 0, limit: opts.limit ?? DEFAULT_DLQ_LIST_LIMIT });
      return msgs.map((m) => toDeadLetter(m.seq, m.subject, m.time, m.headers, m.data));
    },
    async count() {
      return (await jsm.streams.info(STREAMS.dlq)).state.messages;
    },
    async get(seq) {
      const sm = await load(seq);
      return sm === null ? null : toDeadLetter(sm.seq, sm.subject, sm.time, sm.header, sm.data);
    },
    async redrive(seq) {
      const sm = await load(seq);
      const target = sm?.header?.get(HEADERS.dlqSubject);
      if (!sm || !target) throw new DeadLetterNotFoundError(seq);
      await checkRedrivable(jsm, seq, sm.subject, target);
      // A fresh msg id: the original id is still inside the de-duplication window.
      await js.publish(target, sm.data, { headers: copyHeaders(sm.header), msgID: `redrive-${randomUUID()}` });
      await jsm.streams.deleteMessage(STREAMS.dlq, seq, false);
    },
  };
}
