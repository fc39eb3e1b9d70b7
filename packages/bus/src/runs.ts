import { randomBytes } from "node:crypto";
import { BUCKETS } from "@harness/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { DeliverPolicy, type JsMsg, type PushConsumer } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { headers } from "@nats-io/transport-node";
import type { AckPublisher } from "./ack-publisher.js";
import { KvConflictError, StoreError } from "./errors.js";
import { API_CODES, isApiError, isTransientNatsError } from "./nats-errors.js";
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

// How long a listing may see nothing arrive before it asks the server where its consumer is, and
// how many such asks without progress it takes before it gives up (the caller lists again).
const IDLE_PROBE_MS = 1000;
const IDLE_PROBES = 5;
// How many asks in a row must find messages delivered that never arrived before it fails: the
// server counts a message delivered a little before it leaves, so one ask can overtake it.
const LOST_PROBES = 2;

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
  const jsm = await js.jetstreamManager(false);
  // Named by us: a consumer the server made for a create request whose answer was lost, or that
  // the client's ordered consumer made when it reset, can be deleted rather than left to expire
  // after five minutes (each listing, every dashboard poll and metrics scrape, makes one).
  const prefix = `list_${randomBytes(8).toString("hex")}`;
  const forget = (names: string[]) => Promise.all(names.map((n) => jsm.consumers.delete(stream, n).catch(() => false)));
  let consumer: PushConsumer;
  try {
    consumer = await js.consumers.getPushConsumer(stream, {
      filter_subjects: KEY_PREFIX + filter, deliver_policy: DeliverPolicy.LastPerSubject, headers_only: true, name_prefix: prefix,
    });
  } catch (err) {
    void forget([`${prefix}_1`]);
    throw new StoreError(`listing runs failed: ${(err as Error).message}`, { cause: err, retryable: isTransientNatsError(err) });
  }
  let idle: NodeJS.Timeout | undefined;
  try {
    const first = await consumer.info().catch((err: unknown) => { throw new StoreError(`listing runs failed: ${(err as Error).message}`, { cause: err, retryable: isTransientNatsError(err) }); });
    if (first.num_pending === 0) return out;
    // The consumer that delivered the last message, and its delivery count then: after a reset the
    // client's ordered consumer is a new one, counting from 1 again.
    let deliveredBy = first.name;
    let delivered = 0;
    let moved = true;
    let stalls = 0;
    let lost = 0;
    let complete = false;
    let failure: Error | undefined;
    const messages = await consumer.consume({
      callback: (m: JsMsg) => {
        const key = m.subject.slice(KEY_PREFIX.length);
        const op = m.headers?.get("KV-Operation");
        if (op === "DEL" || op === "PURGE") out.delete(key);
        else out.set(key, Math.max(out.get(key) ?? 0, m.info.streamSequence));
        deliveredBy = m.info.consumer;
        delivered = m.info.deliverySequence;
        moved = true;
        stalls = 0;
        lost = 0;
        if (m.info.pending === 0) { complete = true; messages.stop(); }
      },
    });
    const fail = (why: string) => {
      failure ??= new StoreError(`listing runs was interrupted: ${why}`, { retryable: true });
      messages.stop();
    };
    // Nothing arrives when the last messages were lost in a dropped connection, or when the
    // pending count never read 0: the server's view of the consumer that delivered tells which.
    // Asked by name through the manager: the consumer's own info() would overwrite what the
    // client's ordered consumer knows of the consumer it is replacing.
    let asking = false;
    const probe = async () => {
      const info = await jsm.consumers.info(stream, deliveredBy).catch(() => undefined);
      if (moved || complete || failure) return;
      if (info && info.num_pending === 0 && info.delivered.consumer_seq === delivered) { complete = true; messages.stop(); return; }
      if (info && info.num_pending === 0 && info.delivered.consumer_seq > delivered && ++lost >= LOST_PROBES) { fail("messages were lost on the way"); return; }
      if (++stalls >= IDLE_PROBES) fail("no progress");
    };
    idle = setInterval(() => {
      if (moved) { moved = false; return; }
      if (asking) return;
      asking = true;
      void probe().finally(() => { asking = false; });
    }, IDLE_PROBE_MS);
    const err = await messages.closed();
    if (failure) throw failure;
    if (err) throw new StoreError(`listing runs failed: ${err.message}`, { cause: err, retryable: true });
    // Stopped by anything else (the connection closed or drained): what arrived is not all.
    if (!complete) throw new StoreError("listing runs was interrupted: the connection closed", { retryable: true });
  } finally {
    clearInterval(idle);
    const serial = (consumer as unknown as { serial?: number }).serial ?? 1;
    const names = Array.from({ length: serial }, (_, i) => `${prefix}_${i + 1}`);
    await forget(names);
    // A reset still creating its consumer lands after this: looked for once more, a little later.
    if (serial > 1) setTimeout(() => void forget([...names, `${prefix}_${serial + 1}`]), 2_000).unref();
  }
  return out;
}
