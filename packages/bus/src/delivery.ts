import { HEADERS } from "@harness/contracts";
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { z } from "zod";
import { sendToDeadLetters } from "./dead-letters.js";
import { PermanentError, RetryableError, ValidationError } from "./errors.js";
import { headersToRecord } from "./headers.js";
import { idOf } from "./publish.js";
import { subjectMismatch } from "./routing.js";
import type { HandlerContext } from "./types.js";

/** What one durable's handling needs; built once per consume() call. */
export interface DeliveryPolicy {
  js: JetStreamClient;
  consumer: string;
  schema: z.ZodType;
  handler: (msg: unknown, ctx: HandlerContext) => Promise<void>;
  maxDeliver: number;
  backoffMs: readonly number[];
  logger: Logger;
}

/**
 * Handles one delivery to its end: ack, nak with back-off, or dead letter + term. Never throws.
 * The caller sends progress acks (working()) while this runs.
 */
export async function deliver(p: DeliveryPolicy, m: JsMsg): Promise<void> {
  let raw: unknown;
  try {
    raw = m.json();
  } catch (err) {
    return deadLetter(p, m, `payload is not valid JSON: ${messageOf(err)}`);
  }
  const parsed = p.schema.safeParse(raw);
  if (!parsed.success) return deadLetter(p, m, `payload failed schema validation: ${z.prettifyError(parsed.error)}`);
  // Permissions say who may publish on a subject, not what; an envelope off its own subject is
  // a forgery (a verdict sent on build.produced) or a bug, and retrying changes neither.
  const mismatch = subjectMismatch(m.subject, parsed.data);
  if (mismatch !== undefined) {
    p.logger.warn({ seq: m.seq, subject: m.subject, msgId: idOf(parsed.data), reason: mismatch }, "envelope arrived on another message's subject");
    return deadLetter(p, m, mismatch);
  }
  const deliveryCount = m.info.deliveryCount;
  if (deliveryCount > p.maxDeliver) {
    return deadLetter(p, m, `delivered ${deliveryCount} times, over the limit of ${p.maxDeliver}: an earlier attempt never finished`);
  }
  const ctx = contextFor(p, m, parsed.data, deliveryCount);
  try {
    await p.handler(parsed.data, ctx);
    m.ack();
  } catch (err) {
    await failed(p, m, err, deliveryCount);
  }
}

async function failed(p: DeliveryPolicy, m: JsMsg, err: unknown, deliveryCount: number): Promise<void> {
  // A ValidationError from inside a handler is its own invalid output: retrying reproduces it.
  if (err instanceof PermanentError || err instanceof ValidationError) {
    return deadLetter(p, m, `handler failed permanently: ${messageOf(err)}`);
  }
  if (deliveryCount >= p.maxDeliver) {
    return deadLetter(p, m, `handler failed on delivery ${deliveryCount} of ${p.maxDeliver}: ${messageOf(err)}`);
  }
  const delay = err instanceof RetryableError && err.delayMs !== undefined ? err.delayMs : backoffFor(p.backoffMs, deliveryCount);
  p.logger.warn({ err, seq: m.seq, subject: m.subject, deliveryCount, retryInMs: delay }, "handler failed; will retry");
  m.nak(delay);
}

async function deadLetter(p: DeliveryPolicy, m: JsMsg, reason: string): Promise<void> {
  try {
    await sendToDeadLetters(p.js, m, p.consumer, reason);
    m.term();
    p.logger.warn({ seq: m.seq, subject: m.subject, deliveryCount: m.info.deliveryCount, reason }, "message dead-lettered");
  } catch (err) {
    // Without a dead letter on file the message must not be dropped: let it come back.
    p.logger.error({ err, seq: m.seq, subject: m.subject }, "dead-lettering failed; message will be redelivered");
    m.nak(backoffFor(p.backoffMs, m.info.deliveryCount));
  }
}

export function backoffFor(backoffMs: readonly number[], deliveryCount: number): number {
  return backoffMs[Math.min(Math.max(deliveryCount - 1, 0), backoffMs.length - 1)] ?? 0;
}

function contextFor(p: DeliveryPolicy, m: JsMsg, value: unknown, deliveryCount: number): HandlerContext {
  let headers: Record<string, string> | undefined;
  let logger: Logger | undefined;
  // Own enumerable getters: the context survives `{ ...ctx }` and costs nothing until read.
  return {
    subject: m.subject,
    seq: m.seq,
    deliveryCount,
    maxDeliver: p.maxDeliver,
    get headers() { return (headers ??= headersToRecord(m.headers)); },
    get traceparent() { return m.headers?.get(HEADERS.traceparent) || undefined; },
    working: () => m.working(),
    get logger() {
      return (logger ??= p.logger.child({ msgId: idOf(value) ?? m.headers?.get("Nats-Msg-Id"), runId: runIdOf(value), seq: m.seq }));
    },
  };
}

function runIdOf(value: unknown): string | undefined {
  const runId = typeof value === "object" && value !== null ? (value as { runId?: unknown }).runId : undefined;
  return typeof runId === "string" ? runId : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
