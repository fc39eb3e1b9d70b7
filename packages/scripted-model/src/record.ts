import type { IncomingHttpHeaders } from "node:http";
import type { OutUsage } from "./reply.js";
import type { FaultKind } from "./schema.js";

/** One request as the server saw it, in arrival order; updated in place once it is answered. */
export interface RecordedRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined if it was not JSON). */
  body: unknown;
  /** Explicit role (header, metadata.user_id or system marker), null when none was given. */
  role: string | null;
  /** Rule name, else rule index; "injected" for injectFault(); null when nothing matched or not a rule route. */
  matchedRule: number | string | null;
  /** Index of the reply within the rule's `replies`. */
  replyIndex: number | null;
  fault: FaultKind | null;
  stream: boolean;
  /** HTTP status sent; 0 while pending or when the connection was dropped without a response. */
  status: number;
  /** Epoch ms when the request arrived. */
  time: number;
  /** From `time` until the answer was decided (before it was written); null while pending. */
  durationMs: number | null;
  /**
   * Epoch ms, sub-millisecond, when the request's headers arrived (before its body was read) and
   * when the answer's last byte was handed to the socket (null until then, and for dropped
   * connections): the span in which the model server, not its client, had the request.
   */
  receivedAt: number;
  sentAt: number | null;
  usage: OutUsage | null;
  /** Message or error body sent (for streams: the message the events describe). */
  response: unknown;
}

const CREDENTIAL_HEADERS = new Set(["authorization", "x-api-key", "proxy-authorization"]);
export const REDACTED = "[redacted]";

/** Joins repeated headers so matching sees plain strings. */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Records may be printed or saved by tests and demos, so credentials are kept only as present/absent. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  for (const name of Object.keys(out)) if (CREDENTIAL_HEADERS.has(name)) out[name] = REDACTED;
  return out;
}

/** Epoch milliseconds with the monotonic clock's resolution. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

export function newRecord(index: number, method: string, path: string, headers: Record<string, string>, body: unknown, receivedAt = preciseNow()): RecordedRequest {
  const stream = typeof body === "object" && body !== null && (body as { stream?: unknown }).stream === true;
  return {
    index, method, path, headers: redactHeaders(headers), body, role: null, matchedRule: null, replyIndex: null, fault: null, stream,
    status: 0, time: Date.now(), durationMs: null, receivedAt, sentAt: null, usage: null, response: undefined,
  };
}
