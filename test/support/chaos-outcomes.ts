import type { Bus, BusConsumer } from "@harness/bus";
import { HEADERS, dlqSubject } from "@harness/contracts";
import type { Subscription } from "@nats-io/transport-node";
import type { z } from "zod";

/*
 * Tracks what became of each published case on one durable: handled by the consumer, or
 * dead-lettered (seen on the dead-letter subject with its reason). Cases carry their number in a
 * header, which the bus hands to handlers and copies onto dead letters.
 */

export const CASE_HEADER = "Fuzz-Case";

export type Outcome = { kind: "handled" } | { kind: "dead"; reason: string };

export interface OutcomeTracker {
  /** Resolves with the first outcome of the case, or rejects after `timeoutMs`. */
  wait(id: string, timeoutMs?: number): Promise<Outcome>;
  /** Every outcome seen per case: exactly one each is the invariant. */
  readonly seen: Map<string, Outcome[]>;
  stop(): Promise<void>;
}

export function trackOutcomes(bus: Bus, consumer: string, schema: z.ZodType): OutcomeTracker {
  const seen = new Map<string, Outcome[]>();
  const waiters = new Map<string, (o: Outcome) => void>();
  const record = (id: string | undefined, o: Outcome) => {
    if (!id) return;
    seen.set(id, [...(seen.get(id) ?? []), o]);
    waiters.get(id)?.(o);
    waiters.delete(id);
  };
  const runner: BusConsumer = bus.consume(consumer, schema, async (_msg, ctx) => record(ctx.headers[CASE_HEADER], { kind: "handled" }), { concurrency: 8 });
  const sub: Subscription = bus.nc.subscribe(dlqSubject(consumer));
  void (async () => {
    for await (const m of sub) record(m.headers?.get(CASE_HEADER), { kind: "dead", reason: m.headers?.get(HEADERS.dlqReason) ?? "" });
  })();
  return {
    seen,
    wait(id, timeoutMs = 15_000) {
      const done = seen.get(id)?.[0];
      if (done) return Promise.resolve(done);
      return new Promise<Outcome>((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(id); reject(new Error(`case ${id}: neither handled nor dead-lettered within ${timeoutMs}ms`)); }, timeoutMs);
        waiters.set(id, (o) => { clearTimeout(timer); resolve(o); });
      });
    },
    async stop() {
      sub.unsubscribe();
      await runner.stop();
    },
  };
}
