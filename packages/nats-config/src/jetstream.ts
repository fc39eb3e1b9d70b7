import { BUCKETS, OBJECT_STORES } from "@harness/contracts";

/**
 * JetStream's API is request/reply on `$JS.API.<verb>.<stream>[.<consumer>]` subjects, so the
 * only way to scope it per user is to name the verb and the stream in each publish permission.
 * Everything here targets nats-server 2.9.x subjects (v1 ack replies, filtered CONSUMER.CREATE).
 */
const API = "$JS.API";

export const KV_STREAM = `KV_${BUCKETS.runs}`;
export const OBJ_STREAM = `OBJ_${OBJECT_STORES.artifacts}`;

/** Every JetStream client starts with an account-info call (`jetstreamManager()` checks the API). */
export const accountInfo: readonly string[] = [`${API}.INFO`];

/** Pulling from one existing durable and acknowledging its messages; no create, no delete. */
export function pullDurable(stream: string, durable: string): string[] {
  return [
    `${API}.CONSUMER.INFO.${stream}.${durable}`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    // ack, nak, term and in-progress all publish to the message's reply: $JS.ACK.<stream>.<consumer>.<...>
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/**
 * Full consumer management on one stream: durables, and the ephemeral ordered consumers the bus
 * creates to read ranges and tail runs (CREATE carries the filter in its subject).
 */
export function manageConsumers(stream: string, opts: { pull: boolean }): string[] {
  const out = [
    `${API}.CONSUMER.CREATE.${stream}.>`,
    `${API}.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `${API}.CONSUMER.INFO.${stream}.*`,
    `${API}.CONSUMER.DELETE.${stream}.*`,
  ];
  if (opts.pull) out.push(`${API}.CONSUMER.MSG.NEXT.${stream}.*`);
  return out;
}

/** Creating and re-configuring a stream at boot (provisioning). */
export function provisionStream(stream: string): string[] {
  return [`${API}.STREAM.CREATE.${stream}`, `${API}.STREAM.UPDATE.${stream}`, `${API}.STREAM.INFO.${stream}`];
}

/**
 * Reading the run bucket by key. nats.js gets a key with a direct get whose subject ends in the
 * key's subject, so `keys` narrows what can be read: workers get `ledger.>` only (status, budget,
 * spend), never the full run state with the generator's notes. The message-get fallback reads any
 * key, so only full readers have it (the bucket is created with allow_direct on 2.9+).
 */
export function kvRead(keys = ">"): string[] {
  return [
    `${API}.STREAM.INFO.${KV_STREAM}`,
    `${API}.DIRECT.GET.${KV_STREAM}.$KV.${BUCKETS.runs}.${keys}`,
    ...(keys === ">" ? [`${API}.STREAM.MSG.GET.${KV_STREAM}`] : []),
  ];
}

/** Compare-and-set writes and key listing (an ordered push consumer with flow control). */
export function kvWrite(): string[] {
  return [
    `$KV.${BUCKETS.runs}.>`,
    `${API}.DIRECT.GET.${KV_STREAM}`,
    ...manageConsumers(KV_STREAM, { pull: false }),
    `$JS.FC.${KV_STREAM}.>`,
  ];
}

/** Object-store reads: metadata by message get, chunks through an ordered push consumer. */
export function objectRead(): string[] {
  return [
    `${API}.STREAM.INFO.${OBJ_STREAM}`,
    `${API}.STREAM.MSG.GET.${OBJ_STREAM}`,
    `${API}.DIRECT.GET.${OBJ_STREAM}.>`,
    ...manageConsumers(OBJ_STREAM, { pull: false }),
    `$JS.FC.${OBJ_STREAM}.>`,
  ];
}

/**
 * Object-store writes: chunks and metadata, and no purge. A purge request names only the stream
 * (its filter travels in the body, where permissions cannot see it), so a writer allowed to purge
 * its replaced chunks could purge every artifact of every run. put() tries that cleanup after the
 * new object is live and ignores its refusal; the orphaned chunks of a replaced object (only a
 * corrupted one is ever replaced: names are digests) are the supervisor's retention to remove.
 */
export function objectWrite(): string[] {
  return [`$O.${OBJECT_STORES.artifacts}.>`];
}
