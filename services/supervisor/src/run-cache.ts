import { TERMINAL_STATUSES, type RunState } from "@harness/contracts";

/**
 * Stored JSON one replica keeps parsed in memory, in MB. A parsed state takes two to three times
 * its JSON in the heap, and services run with a 128 MB heap cap: 16 MB of JSON is about a third
 * of it. Runs are bounded by size, not count, because one long run with build notes and
 * evidence can be a megabyte while a short one is a few KB.
 */
export const DEFAULT_RUN_CACHE_MB = 16;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

export interface CachedRun {
  /** Exactly what KV held at `revision`: never mutated (reduce copies before it changes anything). */
  readonly state: RunState;
  readonly revision: number;
  /** Bytes of the stored JSON. */
  readonly size: number;
}

/**
 * The last state this replica wrote (or read) for each active run, with its KV revision, so a
 * fold can skip the get and the parse and go straight to the compare-and-set. It is a hint, not
 * a source of truth: a write made elsewhere (another replica, the API) bumps the revision, the
 * compare-and-set with the cached revision fails, and the fold drops the entry and reads KV.
 *
 * Least recently used runs are evicted past `maxBytes` of stored JSON; finished runs, and a run
 * larger than the whole budget, are not kept at all.
 */
export class RunCache {
  private readonly entries = new Map<string, CachedRun>();
  private bytes = 0;

  constructor(readonly maxBytes = DEFAULT_RUN_CACHE_MB * 1024 * 1024) {
    if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new RangeError(`run cache size must be a whole number of bytes, got ${maxBytes}`);
  }

  get size(): number { return this.entries.size; }

  /** Bytes of stored JSON held. */
  get heldBytes(): number { return this.bytes; }

  has(runId: string): boolean { return this.entries.has(runId); }

  get(runId: string): CachedRun | undefined {
    const hit = this.entries.get(runId);
    if (hit) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(runId);
      this.entries.set(runId, hit);
    }
    return hit;
  }

  /** Remembers `state` as KV's value at `revision` (`size` bytes of JSON); an older revision than the one held is ignored. */
  set(runId: string, state: RunState, revision: number, size: number): void {
    const held = this.entries.get(runId);
    if (held && held.revision > revision) return;
    this.delete(runId);
    if (TERMINAL.has(state.status) || size > this.maxBytes) return;
    this.entries.set(runId, { state, revision, size });
    this.bytes += size;
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(runId: string): void {
    const held = this.entries.get(runId);
    if (!held) return;
    this.entries.delete(runId);
    this.bytes -= held.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
