import type { Bus } from "@harness/bus";
import { CONSUMERS, evaluatorConsumer, heartbeatSubject, ServiceHeartbeat, STREAMS, SUBJECTS } from "@harness/contracts";

export interface ServiceEntry extends ServiceHeartbeat { lastSeen: string; alive: boolean }

const STALE_MS = 15_000;

/** Every replica of every role and custom evaluator, from their heartbeats. */
export class ServiceRegistry {
  private readonly entries = new Map<string, ServiceHeartbeat & { seenAt: number }>();
  private sub: { unsubscribe(): void } | undefined;
  private listeningSince: number | undefined;

  /** `warmupMs`: how long it listens before it can say an evaluator has no live instance (a full heartbeat round, and more). */
  constructor(private readonly warmupMs = STALE_MS) {}

  start(bus: Bus): void {
    this.listeningSince = Date.now();
    const sub = bus.nc.subscribe(SUBJECTS.heartbeatAll);
    this.sub = sub;
    void (async () => {
      for await (const m of sub) {
        const parsed = ServiceHeartbeat.safeParse(safeJson(m.string()));
        // Permissions scope who may beat on a subject, not who the beat claims to be: a role
        // announcing another (a generator posing as an evaluator) is not on that one's subject.
        if (parsed.success && m.subject === heartbeatSubject(parsed.data.role, parsed.data.name)) this.record(parsed.data);
      }
    })();
  }

  record(hb: ServiceHeartbeat, at = Date.now()): void {
    this.entries.set(`${hb.role}/${hb.name}/${hb.instance}`, { ...hb, seenAt: at });
  }

  list(now = Date.now()): ServiceEntry[] {
    // Forget replicas gone for long; keep recently stale ones visible as not alive.
    for (const [k, v] of this.entries) if (now - v.seenAt > STALE_MS * 20) this.entries.delete(k);
    return [...this.entries.values()]
      .map(({ seenAt, ...hb }) => ({ ...hb, lastSeen: new Date(seenAt).toISOString(), alive: now - seenAt <= STALE_MS }))
      .sort((a, b) => `${a.role}${a.name}${a.instance}`.localeCompare(`${b.role}${b.name}${b.instance}`));
  }

  evaluatorNames(): string[] {
    return [...new Set(this.list().filter((e) => e.role === "evaluator" && e.alive).map((e) => e.name))];
  }

  /**
   * Names of the evaluators with a live instance; undefined until the registry has listened for
   * `warmupMs`: a supervisor that has just started has heard no one yet, and must not conclude
   * that nobody is there.
   */
  liveEvaluators(now = Date.now()): ReadonlySet<string> | undefined {
    if (this.listeningSince === undefined || now - this.listeningSince < this.warmupMs) return undefined;
    return new Set(this.evaluatorNames());
  }

  stop(): void { this.sub?.unsubscribe(); }
}

/** Pending + unacknowledged messages per work consumer: what KEDA scales on. */
export async function consumerLag(bus: Bus, evaluators: string[]): Promise<Record<string, number>> {
  const names = [CONSUMERS.planner, CONSUMERS.generator, CONSUMERS.reviewer, ...evaluators.map(evaluatorConsumer)];
  const out: Record<string, number> = {};
  await Promise.all(names.map(async (name) => {
    try {
      const info = await bus.jsm.consumers.info(STREAMS.work, name);
      out[name] = info.num_pending + info.num_ack_pending;
    } catch { /* consumer not provisioned yet */ }
  }));
  return out;
}

function safeJson(text: string): unknown {
  try { return JSON.parse(text); } catch { return undefined; }
}
