import { BUS_HEADERS } from "@harness/bus";
import { HEADERS, Id, MESSAGE_SCHEMAS } from "@harness/contracts";
import { z } from "zod";
import { DUPLICATE_WINDOW_MS } from "./jetstream.js";

/** JSON Schema object, as the AsyncAPI document holds it. */
export type JsonSchema = Record<string, unknown>;

const MINUTES = DUPLICATE_WINDOW_MS / 60_000;

/**
 * A message's payload schema in JSON Schema draft-07, the dialect AsyncAPI 3.0's default schema
 * format builds on (the files in packages/contracts/schemas are draft 2020-12; the constraints
 * are the same). A `$ref` would resolve against the whole document, so none may appear.
 */
export function payloadSchema(type: keyof typeof MESSAGE_SCHEMAS): JsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(MESSAGE_SCHEMAS[type], { io: "input", unrepresentable: "any", target: "draft-7" }) as JsonSchema;
  if (JSON.stringify(schema).includes("\"$ref\"")) throw new Error(`${type}: its JSON Schema has a $ref, which cannot be embedded as it is`);
  return { title: type, ...schema };
}

const idPattern = (z.toJSONSchema(Id) as { pattern?: string }).pattern;

/** Headers of every message stored on JetStream by a harness publisher. */
export const ENVELOPE_HEADERS: JsonSchema = {
  type: "object",
  properties: {
    [BUS_HEADERS.msgId]: {
      type: "string", pattern: idPattern,
      description: `The envelope's \`id\`. JetStream stores a message id once within the stream's duplicate window (${MINUTES} minutes), `
        + "so a re-send after a lost publish ack is stored once. Derive it from the work message's id (a hash of the work id, the event type "
        + "and the evaluator's name), so a redelivered work message makes the same id again.",
    },
    [HEADERS.traceparent]: {
      type: "string", pattern: "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
      description: "W3C trace context. A result continues the trace of the work message it answers (copy its `traceparent`); the bus starts a new trace when absent.",
    },
    [HEADERS.messageType]: { type: "string", description: "The envelope's `type`, for tools that read headers only. Informational: consumers read the envelope." },
  },
  required: [BUS_HEADERS.msgId],
};

const DLQ_HEADERS: JsonSchema = {
  type: "object",
  description: "The original message's headers, and these added by the consumer that filed it.",
  properties: {
    [HEADERS.dlqReason]: { type: "string", description: "Why, on one line (a zod report, the handler's error, `delivered N times, over the limit`)." },
    [HEADERS.dlqSubject]: { type: "string", description: "The subject the message was consumed from; where a redrive sends it back." },
    [HEADERS.dlqDeliveries]: { type: "string", pattern: "^[0-9]+$", description: "Its delivery count when it was filed." },
    [HEADERS.dlqConsumer]: { type: "string", description: "The durable that filed it (also the last token of the subject)." },
    [BUS_HEADERS.dlqStream]: { type: "string", description: "Its stream." },
    [BUS_HEADERS.dlqStreamSeq]: { type: "string", pattern: "^[0-9]+$", description: "Its sequence in that stream." },
    [BUS_HEADERS.msgId]: { type: "string", description: "`dlq-<consumer>-<stream>-<seq>`: a consumer that files the same delivery twice (a crash in between) stores it once." },
  },
  required: [HEADERS.dlqReason, HEADERS.dlqSubject, HEADERS.dlqDeliveries, HEADERS.dlqConsumer],
};

/** Message types that travel on the wire (run state and API bodies do not). */
export const WIRE_TYPES = (Object.keys(MESSAGE_SCHEMAS) as Array<keyof typeof MESSAGE_SCHEMAS>)
  .filter((t) => !t.startsWith("state.") && !t.startsWith("api."));

export const messageKey = (type: string): string => type.replaceAll(".", "-");

export function componentMessages(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const type of WIRE_TYPES) {
    const heartbeat = type === "service.heartbeat";
    out[messageKey(type)] = {
      name: type,
      title: type,
      contentType: "application/json",
      ...(heartbeat ? { summary: "Core NATS: no headers, not stored, no id." } : { headers: { $ref: "#/components/schemas/envelope-headers" } }),
      payload: { $ref: `#/components/schemas/${type}` },
    };
  }
  out["dead-letter"] = {
    name: "dead-letter",
    title: "dead letter",
    summary: "The original message, byte for byte (it may not be valid JSON: that can be why it is here).",
    headers: { $ref: "#/components/schemas/dead-letter-headers" },
    payload: { description: "The original bytes." },
  };
  return out;
}

export function componentSchemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { "envelope-headers": ENVELOPE_HEADERS, "dead-letter-headers": DLQ_HEADERS };
  for (const type of WIRE_TYPES) out[type] = payloadSchema(type);
  return out;
}
