import { JetStreamApiError, JetStreamApiCodes } from "@nats-io/jetstream";

/** JetStream API error codes the bus reacts to; not all are exported by the client. */
export const API_CODES = {
  streamNotFound: JetStreamApiCodes.StreamNotFound,
  consumerNotFound: JetStreamApiCodes.ConsumerNotFound,
  noMessageFound: JetStreamApiCodes.NoMessageFound,
  wrongLastSequence: JetStreamApiCodes.StreamWrongLastSequence,
  wrongLastSequenceUnknown: JetStreamApiCodes.StreamWrongLastSequenceUnknown,
  streamNameInUse: 10058,
} as const;

export function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

// What nats.js throws when the server is away or late: the same request may work again.
const TRANSIENT = new Set(["TimeoutError", "ClosedConnectionError", "DrainingConnectionError", "ConnectionError", "NoResponders"]);

/** A failure of the connection or a late reply, not of the request itself (a permission, a bad subject). */
export function isTransientNatsError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (TRANSIENT.has(err.name)) return true;
  // A request's failure wraps what happened to it.
  return err.name === "RequestError" && isTransientNatsError(err.cause);
}
