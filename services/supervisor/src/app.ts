import type { Bus } from "@harness/bus";
import type { Logger } from "@harness/logger";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { bearerAuth } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { clientError, errorHandler, frameworkError, MAX_PARAM_LENGTH } from "./error-handler.js";
import { errors } from "./errors.js";
import type { Metrics } from "./metrics.js";
import { registerOpenApi } from "./openapi.js";
import { safeRequestLog, useJsonBodies } from "./request-safety.js";
import type { ServiceRegistry } from "./registry.js";
import { artifactRoutes } from "./routes/artifacts.js";
import { calibrationRoutes } from "./routes/calibrations.js";
import { rejudgementRoutes } from "./routes/rejudgements.js";
import { controlRoutes } from "./routes/control.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { dlqRoutes } from "./routes/dlq.js";
import { eventRoutes } from "./routes/events.js";
import { opsRoutes } from "./routes/ops.js";
import { runRoutes } from "./routes/runs.js";
import { RunIndex } from "./run-index.js";
import { SseStreams } from "./sse.js";

export const DEFAULT_BODY_LIMIT = 256 * 1024;

const clip = (path: string): string => (path.length > 200 ? `${path.slice(0, 200)}...` : path);

const openRead = async (): Promise<void> => {};

export interface BuildAppOptions {
  bus: Bus;
  apiToken: string;
  registry: ServiceRegistry;
  metrics: Metrics;
  logger?: Logger | false;
  /** Largest request body accepted; larger ones get 413 before they are parsed. */
  bodyLimit?: number;
  evaluators?: readonly string[];
  /** Reads need the token too (SUPERVISOR_READ_AUTH); health, readiness, metrics, the OpenAPI document and the dashboard's files stay open. */
  readAuth?: boolean;
}

/** The supervisor's HTTP API and dashboard; tests drive it with inject(), server.ts listens. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const fastifyOpts: FastifyServerOptions = {
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Idle keep-alive sockets must not hold up a rolling restart.
    forceCloseConnections: "idle",
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Bad URLs and over-long path parameters get the API's error format too.
    frameworkErrors: frameworkError,
    // ...and so do requests the HTTP parser refuses before fastify sees them (431 headers, 400, 408).
    clientErrorHandler: clientError,
    // Request lines keep the path and harmless query values: a token misplaced in a query stays out.
    ...(opts.logger ? { loggerInstance: opts.logger.child({}, { serializers: { req: safeRequestLog } }) } : {}),
  };
  const app = Fastify(fastifyOpts) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // Bodies are JSON only: anything else is a 415, not a confusing schema error.
  app.removeContentTypeParser("text/plain");
  useJsonBodies(app);
  // The path is cut short in the answer: a client can send thousands of characters.
  app.setNotFoundHandler((req) => { throw new errors.RouteNotFound(req.method, clip(req.url.split("?")[0] ?? req.url)); });

  const streams = new SseStreams();
  // Live streams never end on their own; end them so close() does not wait on them.
  app.addHook("preClose", async () => streams.endAll());
  const auth = bearerAuth(opts.apiToken);
  const deps: ApiDeps = {
    bus: opts.bus, registry: opts.registry, metrics: opts.metrics, streams, index: new RunIndex(opts.bus),
    auth, readAuth: opts.readAuth === true ? auth : openRead, evaluators: opts.evaluators ?? ["core"],
  };

  await registerOpenApi(app);
  await app.register(runRoutes, { deps });
  await app.register(controlRoutes, { deps });
  await app.register(eventRoutes, { deps });
  await app.register(artifactRoutes, { deps });
  await app.register(opsRoutes, { deps });
  await app.register(dlqRoutes, { deps });
  await app.register(calibrationRoutes, { deps });
  await app.register(rejudgementRoutes, { deps });
  await app.register(dashboardRoutes);
  return app;
}
