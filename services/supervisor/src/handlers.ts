import type { Bus, HandlerContext } from "@harness/bus";
import { isJobId, type EventMessage, type RunState } from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { foldEvent } from "./fold.js";
import { foldJobEvent } from "./jobs.js";
import type { Metrics } from "./metrics.js";
import { RunCache } from "./run-cache.js";

export interface SupervisorDeps {
  bus: Bus;
  logger: Logger;
  metrics?: Metrics;
  now?: () => string;
  /** This replica's run states, shared with its watchdog; one of its own when not given. */
  cache?: RunCache;
}

/**
 * Folding handlers. Events of one run are folded one at a time within this replica (fewer
 * CAS conflicts); across replicas compare-and-set keeps them exactly-once.
 */
export function createHandlers(deps: SupervisorDeps) {
  const chains = new Map<string, Promise<void>>();
  const cache = deps.cache ?? new RunCache();
  const observe = (state: RunState, e: EventMessage) => {
    const m = deps.metrics;
    if (!m) return;
    m.handoffLatency.observe({ type: e.type }, Math.max(0, (Date.now() - Date.parse(e.time)) / 1000));
    if (e.type === "usage.recorded") {
      const u = e.payload.usage;
      m.modelTokens.inc({ role: e.payload.role, kind: "input" }, u.inputTokens);
      m.modelTokens.inc({ role: e.payload.role, kind: "output" }, u.outputTokens);
      m.modelTokens.inc({ role: e.payload.role, kind: "cache_read" }, u.cacheReadInputTokens);
      m.modelTokens.inc({ role: e.payload.role, kind: "cache_write" }, u.cacheCreationInputTokens);
      m.modelCost.inc({ role: e.payload.role }, e.payload.costUsd);
    }
    if (e.type === "verdict.produced") m.verdicts.inc({ evaluator: e.payload.verdict.evaluator, passed: String(e.payload.verdict.passed) });
    void state;
  };

  return {
    async onEvent(event: EventMessage, ctx?: HandlerContext): Promise<void> {
      const prev = chains.get(event.runId) ?? Promise.resolve();
      const next = prev.catch(() => undefined).then(async () => {
        // A calibration's or re-judgement's events fold into the job, never into a run.
        const applied = isJobId(event.runId)
          ? await foldJobEvent({ bus: deps.bus, logger: deps.logger, ...(deps.now ? { now: deps.now } : {}) }, event)
          : await foldEvent({ bus: deps.bus, logger: deps.logger, onApplied: observe, cache, ...(deps.now ? { now: deps.now } : {}) }, event);
        (ctx?.logger ?? deps.logger).debug({ runId: event.runId, eventId: event.id, type: event.type, applied }, applied ? "event folded" : "event already applied");
      });
      chains.set(event.runId, next);
      try { await next; } finally { if (chains.get(event.runId) === next) chains.delete(event.runId); }
    },
  };
}
