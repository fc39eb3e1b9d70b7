import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "supervisor" });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    runsByStatus: new Gauge({ name: "harness_runs", help: "Runs by status", labelNames: ["status"], registers: [registry] }),
    handoffLatency: new Histogram({ name: "harness_handoff_latency_seconds", help: "Event published -> folded by the supervisor", labelNames: ["type"], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [registry] }),
    modelTokens: new Counter({ name: "harness_model_tokens_total", help: "Model tokens charged to runs", labelNames: ["role", "kind"], registers: [registry] }),
    modelCost: new Counter({ name: "harness_model_cost_usd_total", help: "Model dollars charged to runs", labelNames: ["role"], registers: [registry] }),
    verdicts: new Counter({ name: "harness_verdicts_total", help: "Verdicts folded", labelNames: ["evaluator", "passed"], registers: [registry] }),
    deadLetters: new Gauge({ name: "harness_dead_letters", help: "Messages in the dead-letter stream", registers: [registry] }),
    consumerLag: new Gauge({ name: "harness_consumer_lag", help: "Pending + unacked work per consumer", labelNames: ["consumer"], registers: [registry] }),
    watchdog: new Counter({ name: "harness_watchdog_actions_total", help: "Stalls re-dispatched or escalated, wall-clock budgets enforced by timer", labelNames: ["action"], registers: [registry] }),
    sseClients: new Gauge({ name: "harness_sse_clients", help: "Open live event streams", registers: [registry] }),
  };
}
