import { HEADERS } from "@harness/contracts";
import { headers } from "@nats-io/transport-node";
import { z } from "zod";
import type { AckPublisher } from "./ack-publisher.js";
import { BUS_HEADERS } from "./defaults.js";
import { RoutingError, ValidationError } from "./errors.js";
import { subjectFor, subjectMismatch, typeOf } from "./routing.js";
import { isTraceparent, newTraceparent } from "./trace.js";
import type { PublishOptions, PublishResult } from "./types.js";

/** Parses once and throws before anything reaches the wire. */
export function validate<S extends z.ZodType>(schema: S, msg: unknown): z.output<S> {
  const r = schema.safeParse(msg);
  if (!r.success) throw new ValidationError(`invalid message: ${z.prettifyError(r.error)}`, r.error.issues, { cause: r.error });
  return r.data;
}

export function idOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" && id.length > 0 ? id : undefined;
}

export async function publishMessage<S extends z.ZodType>(
  publisher: AckPublisher, schema: S, msg: z.input<S>, opts: PublishOptions = {},
): Promise<PublishResult> {
  const value = validate(schema, msg);
  const subject = opts.subject ?? subjectFor(value);
  // Consumers dead-letter such a message (see routing.ts): refuse it before it is sent.
  const mismatch = opts.subject === undefined ? undefined : subjectMismatch(opts.subject, value);
  if (mismatch !== undefined) throw new RoutingError(mismatch);
  const h = headers();
  if (opts.headers) for (const [k, v] of Object.entries(opts.headers)) h.set(k, v);
  const type = typeOf(value);
  if (type !== undefined) h.set(HEADERS.messageType, type);
  const tp = opts.traceparent ?? opts.headers?.[HEADERS.traceparent];
  h.set(HEADERS.traceparent, isTraceparent(tp) ? tp : newTraceparent());
  const id = idOf(value);
  // The envelope id doubles as Nats-Msg-Id, so a re-send after a lost ack is stored once.
  if (id !== undefined) h.set(BUS_HEADERS.msgId, id);
  const pa = await publisher.publish(subject, JSON.stringify(value), h);
  return { seq: pa.seq, duplicate: pa.duplicate };
}
