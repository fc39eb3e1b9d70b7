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
