import { SUBJECTS, TERMINAL_STATUSES } from "@harness/contracts";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/*
 * Watches a stack from outside with plain core-NATS subscriptions: every event and every work
 * item as the server receives it, stamped on arrival here. Both sides of a step are seen by the
 * same connection, so subtracting their stamps needs no clock agreement between processes.
 */

export interface Seen {
  kind: "event" | "work";
  id: string;
  type: string;
  runId: string;
  causationId: string | null;
  /** performance.now() at arrival. */
  at: number;
}

/** Result events of workers: each one should make the supervisor publish the next work item. */
export const RESULT_TYPES: ReadonlySet<string> = new Set(["spec.produced", "contract.proposed", "contract.reviewed", "build.produced", "verdict.produced"]);
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

export interface Observer {
  readonly seen: readonly Seen[];
  /** Terminal status and arrival time of each run that ended. */
  readonly ended: ReadonlyMap<string, { status: string; at: number }>;
  waitEnded(runIds: readonly string[], timeoutMs: number): Promise<void>;
  /** Forget what was seen so far (between phases). */
  clear(): void;
  close(): Promise<void>;
}

interface Envelope { id?: string; type?: string; runId?: string; causationId?: string | null; payload?: { to?: string } }

export async function observe(url: string): Promise<Observer> {
  const nc: NatsConnection = await connect({ servers: url, name: "bench-observer" });
  const seen: Seen[] = [];
  const ended = new Map<string, { status: string; at: number }>();
  let waiters: Array<() => void> = [];
  const record = (kind: Seen["kind"]) => (err: Error | null, msg: { json<T>(): T }): void => {
    if (err) return;
    const at = performance.now();
    const m = msg.json<Envelope>();
    if (!m.id || !m.type || !m.runId) return;
    seen.push({ kind, id: m.id, type: m.type, runId: m.runId, causationId: m.causationId ?? null, at });
    if (m.type === "run.transition" && m.payload?.to && TERMINAL.has(m.payload.to) && !ended.has(m.runId)) {
      ended.set(m.runId, { status: m.payload.to, at });
      for (const w of waiters) w();
    }
  };
  nc.subscribe(SUBJECTS.eventsAll, { callback: record("event") });
  nc.subscribe(SUBJECTS.workAll, { callback: record("work") });
  await nc.flush();
  return {
    seen, ended,
    async waitEnded(runIds, timeoutMs) {
      const done = () => runIds.every((id) => ended.has(id));
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`${runIds.filter((id) => !ended.has(id)).length} of ${runIds.length} runs did not end within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1_000);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
        waiters = [];
      }
    },
    clear() { seen.length = 0; },
    close: () => nc.drain(),
  };
}

export interface Step {
  ms: number;
  /** `<result event type> -> <work type>`, e.g. `verdict.produced -> work.build`. */
  kind: string;
}

/** Each worker result event and the work item the supervisor published for it. */
export function steps(seen: readonly Seen[]): Step[] {
  const results = new Map<string, Seen>();
  for (const s of seen) if (s.kind === "event" && RESULT_TYPES.has(s.type)) results.set(s.id, s);
  const out: Step[] = [];
  for (const s of seen) {
    if (s.kind !== "work" || s.causationId === null) continue;
    const from = results.get(s.causationId);
    if (from !== undefined) out.push({ ms: s.at - from.at, kind: `${from.type} -> ${s.type}` });
  }
  return out;
}

/** Milliseconds from each worker result event to the work item the supervisor published for it. */
export function stepLatencies(seen: readonly Seen[]): number[] {
  return steps(seen).map((s) => s.ms);
}
