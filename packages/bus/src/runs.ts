import { randomBytes } from "node:crypto";
import { BUCKETS } from "@harness/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { headers } from "@nats-io/transport-node";
import type { AckPublisher } from "./ack-publisher.js";
import { KvConflictError, StoreError } from "./errors.js";
import { API_CODES, isApiError } from "./nats-errors.js";
import type { RunStore } from "./types.js";

// The subjects the client's KV builds for this bucket (no API prefix, no domain): per-role
// permissions in nats-config name the same ones.
const KEY_PREFIX = `$KV.${BUCKETS.runs}.`;
const DIRECT_GET_PREFIX = `$JS.API.DIRECT.GET.KV_${BUCKETS.runs}.${KEY_PREFIX}`;
const EXPECTED_LAST_SUBJECT_SEQ = "Nats-Expected-Last-Subject-Sequence";
// Keys are run ids and ledger keys, never user input; this only stops a bad one reaching a subject.
const KEY = /^[-/=.\w]+$/;

function isConflict(err: unknown): boolean {
  return isApiError(err, API_CODES.wrongLastSequence) || isApiError(err, API_CODES.wrongLastSequenceUnknown);
}

function subjectOf(key: string): string {
  if (!KEY.test(key) || key.startsWith(".") || key.endsWith(".")) throw new StoreError(`invalid run store key "${key}"`);
  return KEY_PREFIX + key;
}

/**
 * JSON values in the `harness-runs` bucket; every write is a compare-and-set on the revision.
 * Reads and writes, the hot path of every fold and work item, go through the bus's shared reply
 * subscription (AckPublisher) as direct gets and JetStream publishes, the same subjects and
 * headers the client's KV uses; listing and create use the client's KV.
 */
export function createRunStore(js: JetStreamClient, requests: AckPublisher): RunStore {
  let bucket: Promise<KV> | undefined;
  // Opened on first use: a process that never lists or creates runs needs no bucket handle.
  const kv = (): Promise<KV> => {
    bucket ??= new Kvm(js).open(BUCKETS.runs, { allow_direct: true }).catch((err: unknown) => { bucket = undefined; throw err; });
    return bucket;
  };
  const write = async (key: string, json: string, revision?: number): Promise<number> => {
    const subject = subjectOf(key);
    let h;
    if (revision !== undefined) {
      h = headers();
      h.set(EXPECTED_LAST_SUBJECT_SEQ, String(revision));
    }
    return (await requests.publish(subject, json, h)).seq;
  };
  return {
    async get(key) {
      // The subject names the key, so per-role permissions can scope reads by key.
      const reply = await requests.request(DIRECT_GET_PREFIX + subjectOf(key).slice(KEY_PREFIX.length), "");
      const code = reply.headers?.code ?? 0;
      if (code === 404) return null;
      if (code !== 0) throw new StoreError(`reading ${key}: ${code} ${reply.headers?.description ?? ""}`.trim());
      const op = reply.headers?.get("KV-Operation");
      if (op === "DEL" || op === "PURGE") return null;
      const revision = Number(reply.headers?.get("Nats-Sequence"));
      if (!Number.isSafeInteger(revision) || revision <= 0) throw new StoreError(`reading ${key}: the reply has no sequence`);
      return { value: reply.json<unknown>(), revision, size: reply.data.length };
    },
    async create(key, value) {
      try {
        return await (await kv()).create(key, JSON.stringify(value));
      } catch (err) {
        if (isConflict(err)) throw new KvConflictError(key, { cause: err });
        throw err;
      }
    },
    async update(key, value, revision, opts) {
      try {
        return await write(key, opts?.json ?? JSON.stringify(value), revision);
      } catch (err) {
        if (isConflict(err)) throw new KvConflictError(key, { cause: err });
        throw err;
      }
    },
    async put(key, value) {
      return write(key, JSON.stringify(value));
    },
    async keys(filter = "*") {
      return [...(await revisions(js, filter)).keys()];
    },
    revisions: (filter = "*") => revisions(js, filter),
  };
}

// How long a listing may see nothing arrive before it asks the server where the consumer is, and
// how many such asks without progress it takes before it gives up (the caller lists again).
const IDLE_PROBE_MS = 1000;
const IDLE_PROBES = 10;

/**
 * Each key's latest revision, from the headers of the last message per key (no values): what a
 * cache of values needs to know what changed. As the client's `keys()` does it, with the
 * revisions kept. A key written while this runs can come twice; the later revision wins.
 *
 * It ends complete or throws StoreError, never with part of the listing: messages lost on a
 * dropped connection would otherwise read as keys that are gone (a cache would drop those runs).
 */
async function revisions(js: JetStreamClient, filter: string): Promise<Map<string, number>> {
  subjectOf(filter.replaceAll("*", "x").replaceAll(">", "x"));
  const out = new Map<string, number>();
  const stream = `KV_${BUCKETS.runs}`;
  // Named by us, so a consumer the server made for a create request that then failed on the way
  // back (a dropped connection, a timeout) can still be deleted rather than left to expire.
  const prefix = `list_${randomBytes(8).toString("hex")}`;
  const consumer = await js.consumers.getPushConsumer(stream, {
    filter_subjects: KEY_PREFIX + filter, deliver_policy: DeliverPolicy.LastPerSubject, headers_only: true, name_prefix: prefix,
  }).catch((err: unknown) => {
    void js.jetstreamManager().then((jsm) => jsm.consumers.delete(stream, `${prefix}_1`)).catch(() => false);
    throw err;
  });
  // Deleted when done: left to expire, each listing (every dashboard poll and metrics scrape)
  // would keep a consumer on the server for its five-minute inactivity limit.
  let idle: NodeJS.Timeout | undefined;
  try {
    if ((await consumer.info()).num_pending === 0) return out;
    let delivered = 0;
    let moved = true;
    let stalls = 0;
    let failure: Error | undefined;
    const messages = await consumer.consume({
      callback: (m: JsMsg) => {
        const key = m.subject.slice(KEY_PREFIX.length);
        const op = m.headers?.get("KV-Operation");
        if (op === "DEL" || op === "PURGE") out.delete(key);
        else out.set(key, Math.max(out.get(key) ?? 0, m.info.streamSequence));
        delivered = m.info.deliverySequence;
        moved = true;
        stalls = 0;
        if (m.info.pending === 0) messages.stop();
      },
    });
    const fail = (why: string, cause?: unknown) => {
      failure ??= new StoreError(`listing runs was interrupted: ${why}`, cause === undefined ? undefined : { cause });
      messages.stop();
    };
    // Nothing arrives when the last message was lost in a dropped connection, or when the pending
    // count never read 0: the server's view of the consumer tells which, and a lost one fails.
    const probe = async () => {
      const info = await consumer.info();
      if (moved) return;
      if (info.num_pending === 0 && info.delivered.consumer_seq === delivered) messages.stop();
      else if (info.num_pending === 0 && info.delivered.consumer_seq > delivered) fail("messages were lost on the way");
      else if (++stalls >= IDLE_PROBES) fail("no progress");
    };
    idle = setInterval(() => {
      if (moved) { moved = false; return; }
      probe().catch((err: unknown) => fail("the server could not be asked", err));
    }, IDLE_PROBE_MS);
    const err = await messages.closed();
    if (failure) throw failure;
    if (err) throw new StoreError(`listing runs failed: ${err.message}`, { cause: err });
  } finally {
    clearInterval(idle);
    await consumer.delete().catch(() => false);
  }
  return out;
}
