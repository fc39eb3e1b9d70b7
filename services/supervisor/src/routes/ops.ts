import { STREAMS } from "@harness/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ApiError, AuthCheck, Health, readAuthResponse, Readiness, ServiceList } from "../api-schemas.js";
import type { ApiDeps } from "../deps.js";
import { consumerLag } from "../registry.js";

export const opsRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/healthz", { schema: { tags: ["ops"], summary: "Liveness: the process answers", response: { 200: Health } } }, async () => ({ ok: true }));

  app.get("/readyz", {
    schema: { tags: ["ops"], summary: "Readiness: NATS connected and every stream present", response: { 200: Readiness, 503: Readiness } },
  }, async (_req, reply) => {
    const nats = !deps.bus.nc.isClosed();
    let streams = false;
    if (nats) {
      try { await Promise.all(Object.values(STREAMS).map((s) => deps.bus.jsm.streams.info(s))); streams = true; } catch { streams = false; }
    }
    const ready = nats && streams;
    return reply.code(ready ? 200 : 503).send({ ready, nats, streams });
  });

  // Lets a client (the dashboard's token dialog) learn whether a token is right without acting.
  app.get("/auth", {
    onRequest: deps.auth,
    schema: {
      tags: ["ops"], summary: "Checks the bearer token: 200 if it is the supervisor's, 401 if not; changes nothing", security: [{ bearer: [] }],
      response: { 200: AuthCheck, 401: ApiError.describe("missing or invalid bearer token") },
    },
  }, async () => ({ ok: true as const, reads: deps.readAuth === deps.auth ? "token" as const : "open" as const }));

  app.get("/services", {
    onRequest: deps.readAuth,
    schema: { tags: ["ops"], summary: "Every replica of every role and evaluator from heartbeats, and consumer lag per role", response: { 200: ServiceList, ...readAuthResponse } },
  }, async () => ({ services: deps.registry.list(), lag: await consumerLag(deps.bus, evaluatorNames(deps)) }));

  app.get("/metrics", {
    schema: { tags: ["ops"], summary: "Prometheus metrics: runs by status, handoff latency, tokens, cost, verdicts, dead letters, lag" },
  }, async (_req, reply) => {
    const m = deps.metrics;
    // Metrics need no token: a listing at most a few seconds old bounds what a flood of scrapes costs.
    // Read before the gauge is reset: a failed listing leaves the last counts, not zeros.
    const runs = await deps.index.list({ maxAgeMs: METRICS_MAX_AGE_MS });
    m.runsByStatus.reset();
    for (const r of runs) m.runsByStatus.inc({ status: r.status });
    m.deadLetters.set(await deps.bus.dlq.count());
    m.consumerLag.reset();
    for (const [consumer, lag] of Object.entries(await consumerLag(deps.bus, evaluatorNames(deps)))) m.consumerLag.set({ consumer }, lag);
    m.sseClients.set(deps.streams.size);
    return reply.header("content-type", m.registry.contentType).send(await m.registry.metrics());
  });
};

const METRICS_MAX_AGE_MS = 5_000;

function evaluatorNames(deps: ApiDeps): string[] {
  return [...new Set([...deps.evaluators, ...deps.registry.list().filter((s) => s.role === "evaluator").map((s) => s.name)])];
}
