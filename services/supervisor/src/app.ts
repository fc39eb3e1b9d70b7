import type { Bus } from "@harness/bus";
import type { Logger } from "@harness/logger";
import Fastify, { type FastifyInstance, type preHandlerAsyncHookHandler } from "fastify";
import { bearerAuth } from "./auth.js";
import type { Metrics } from "./metrics.js";
import type { ServiceRegistry } from "./registry.js";
import { eventRoutes } from "./routes/events.js";
import { opsRoutes } from "./routes/ops.js";
import { runRoutes } from "./routes/runs.js";

export interface AppDeps {
  bus: Bus;
  registry: ServiceRegistry;
  metrics: Metrics;
  auth: preHandlerAsyncHookHandler;
}

export interface BuildAppOptions { bus: Bus; apiToken: string; registry: ServiceRegistry; metrics: Metrics; logger?: Logger | false; bodyLimit?: number }

/** The supervisor's HTTP API; tests drive it with inject(), server.ts listens. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger || undefined,
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    disableRequestLogging: false,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  const deps: AppDeps = { bus: opts.bus, registry: opts.registry, metrics: opts.metrics, auth: bearerAuth(opts.apiToken) as preHandlerAsyncHookHandler };
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) app.log.error({ err }, "request failed");
    return reply.code(status).send({ error: err.code ?? "SUP_ERR_INTERNAL", message: status >= 500 ? "internal error" : err.message, statusCode: status });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: "SUP_ERR_NOT_FOUND", message: `no route ${req.method} ${req.url}`, statusCode: 404 }));
  await app.register(async (scope) => {
    await runRoutes(scope, deps);
    await eventRoutes(scope, deps);
    await opsRoutes(scope, deps);
  });
  return app;
}
