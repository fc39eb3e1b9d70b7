import type { Bus } from "@harness/bus";
import { RunState } from "@harness/contracts";
import type { RunSummary } from "./api-schemas.js";
import { newerFormat } from "./state-format.js";
import { runSummary } from "./views.js";

const READ_CONCURRENCY = 16;

interface Indexed {
  revision: number;
  /** Undefined for a state this version cannot read (a newer format, during a rolling update). */
  summary: RunSummary | undefined;
}

/**
 * A summary of every run, kept between requests. Each listing reads every run's latest revision
 * from message headers, and values only for the runs whose revision moved since the last one
 * (finished runs never do). Reading and parsing every full state on each `GET /runs` cost about
 * 0.26 ms a run: half a second of the supervisor per dashboard poll at 2,000 runs. The index
 * holds about half a kilobyte per run (the prompt is cut to 200 characters).
 */
export class RunIndex {
  readonly #bus: Bus;
  readonly #byId = new Map<string, Indexed>();
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  /** When the last refresh that completed started (performance.now()). */
  #refreshedAt = Number.NEGATIVE_INFINITY;

  constructor(bus: Bus) {
    this.#bus = bus;
  }

  /**
   * Every readable run's summary, newest first, as of a refresh that started after this call, or
   * within `maxAgeMs` before it (for callers that need no fresher, e.g. unauthenticated metrics scrapes).
   */
  async list(opts: { maxAgeMs?: number } = {}): Promise<RunSummary[]> {
    if (opts.maxAgeMs === undefined || performance.now() - this.#refreshedAt > opts.maxAgeMs) await this.refresh();
    const out: RunSummary[] = [];
    for (const { summary } of this.#byId.values()) if (summary) out.push(summary);
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /**
   * Callers arriving while a refresh runs share the next one, not the running one: it may have
   * listed revisions before their run was created. So at most one runs and one waits.
   */
  refresh(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (this.#running) {
      this.#queued = this.#running.catch(() => undefined).then(() => {
        this.#queued = undefined;
        return this.refresh();
      });
      return this.#queued;
    }
    this.#running = this.#refresh().finally(() => { this.#running = undefined; });
    return this.#running;
  }

  async #refresh(): Promise<void> {
    const started = performance.now();
    const revisions = await this.#bus.runs.revisions();
    for (const id of this.#byId.keys()) if (!revisions.has(id)) this.#byId.delete(id);
    const stale = [...revisions].filter(([id, revision]) => this.#byId.get(id)?.revision !== revision).map(([id]) => id);
    let next = 0;
    const reader = async (): Promise<void> => {
      for (let id = stale[next++]; id !== undefined; id = stale[next++]) {
        try { await this.#read(id); } catch (err) { next = stale.length; throw err; }
      }
    };
    // Settled, not all: a failed read must not end the refresh while other readers still write
    // (the next refresh could overlap them). What failed is stale still, and read next time.
    const results = await Promise.allSettled(Array.from({ length: Math.min(READ_CONCURRENCY, stale.length) }, reader));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    this.#refreshedAt = started;
  }

  async #read(id: string): Promise<void> {
    const entry = await this.#bus.runs.get(id);
    if (!entry) { this.#byId.delete(id); return; }
    const parsed = newerFormat(entry.value) === undefined ? RunState.safeParse(entry.value) : undefined;
    this.#byId.set(id, { revision: entry.revision, summary: parsed?.success ? runSummary(parsed.data) : undefined });
  }
}
