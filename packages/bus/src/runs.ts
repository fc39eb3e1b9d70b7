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

/**
 * Each key's latest revision, from the headers of the last message per key (no values): what a
 * cache of values needs to know what changed. As the client's `keys()` does it, with the
 * revisions kept. A key written while this runs can come twice; the later revision wins.
 */
async function revisions(js: JetStreamClient, filter: string): Promise<Map<string, number>> {
  subjectOf(filter.replaceAll("*", "x").replaceAll(">", "x"));
  const out = new Map<string, number>();
  const consumer = await js.consumers.getPushConsumer(`KV_${BUCKETS.runs}`, {
    filter_subjects: KEY_PREFIX + filter, deliver_policy: DeliverPolicy.LastPerSubject, headers_only: true,
  });
  // Deleted when done: left to expire, each listing (every dashboard poll and metrics scrape)
  // would keep a consumer on the server for its five-minute inactivity limit.
  try {
    if ((await consumer.info()).num_pending === 0) return out;
    const messages = await consumer.consume({
      callback: (m: JsMsg) => {
        const key = m.subject.slice(KEY_PREFIX.length);
        const op = m.headers?.get("KV-Operation");
        if (op === "DEL" || op === "PURGE") out.delete(key);
        else out.set(key, Math.max(out.get(key) ?? 0, m.info.streamSequence));
        if (m.info.pending === 0) messages.stop();
      },
    });
    // A heartbeat means nothing is left to deliver (the last message may have been a delete).
    void (async () => { for await (const s of messages.status()) if (s.type === "heartbeat") messages.stop(); })();
    await messages.closed();
  } finally {
    await consumer.delete().catch(() => false);
  }
  return out;
}
