import { TERMINAL_STATUSES, type RunState } from "@harness/contracts";

/** Runs one replica keeps in memory; a run's state is tens of KB, so this is tens of MB at most. */
export const DEFAULT_RUN_CACHE_SIZE = 2_000;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

export interface CachedRun {
  /** Exactly what KV held at `revision`: never mutated (reduce copies before it changes anything). */
  readonly state: RunState;
  readonly revision: number;
}

/**
 * The last state this replica wrote (or read) for each active run, with its KV revision, so a
 * fold can skip the get and the parse and go straight to the compare-and-set. It is a hint, not
 * a source of truth: a write made elsewhere (another replica, the API) bumps the revision, the
 * compare-and-set with the cached revision fails, and the fold drops the entry and reads KV.
 *
 * Least recently used runs are evicted past `max`; finished runs are not kept at all.
 */
export class RunCache {
  private readonly entries = new Map<string, CachedRun>();

  constructor(readonly max = DEFAULT_RUN_CACHE_SIZE) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`run cache size must be a positive integer, got ${max}`);
  }

  get size(): number { return this.entries.size; }

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

  /** Remembers `state` as KV's value at `revision`; an older revision than the one held is ignored. */
  set(runId: string, state: RunState, revision: number): void {
    const held = this.entries.get(runId);
    if (held && held.revision > revision) return;
    this.entries.delete(runId);
    if (TERMINAL.has(state.status)) return;
    this.entries.set(runId, { state, revision });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(runId: string): void { this.entries.delete(runId); }

  clear(): void { this.entries.clear(); }
}
