import { BUCKETS } from "@harness/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { KvConflictError } from "./errors.js";
import { API_CODES, isApiError } from "./nats-errors.js";
import type { RunStore } from "./types.js";

function isConflict(err: unknown): boolean {
  return isApiError(err, API_CODES.wrongLastSequence) || isApiError(err, API_CODES.wrongLastSequenceUnknown);
}

/** JSON values in the `harness-runs` bucket; every write is a compare-and-set on the revision. */
export function createRunStore(js: JetStreamClient): RunStore {
  let bucket: Promise<KV> | undefined;
  // Opened on first use: a process that never touches runs needs no bucket.
  const kv = (): Promise<KV> => {
    // Direct gets: their subject names the key, so per-role permissions can scope reads by key.
    bucket ??= new Kvm(js).open(BUCKETS.runs, { allow_direct: true }).catch((err: unknown) => { bucket = undefined; throw err; });
    return bucket;
  };
  return {
    async get(key) {
      const e = await (await kv()).get(key);
      if (e === null || e.operation !== "PUT") return null;
      return { value: e.json<unknown>(), revision: e.revision, size: e.length };
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
        return await (await kv()).update(key, opts?.json ?? JSON.stringify(value), revision);
      } catch (err) {
        if (isConflict(err)) throw new KvConflictError(key, { cause: err });
        throw err;
      }
    },
    async put(key, value) {
      return (await kv()).put(key, JSON.stringify(value));
    },
    async keys(filter = "*") {
      // The listing consumer also delivers writes made while it runs, so a key being updated
      // (any active run) can come twice: a run listed twice, or swept twice by the watchdog.
      const out = new Set<string>();
      for await (const k of await (await kv()).keys(filter)) out.add(k);
      return [...out];
    },
  };
}
