import { connectBus } from "@harness/bus";
import { CONSUMERS, EventMessage } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { hideSecretsFromEnvironment, natsAuth, onShutdown, startHeartbeat } from "@harness/runtime";
import { buildApp } from "./app.js";
import { loadConfig } from "./config.js";
import { createHandlers } from "./handlers.js";
import { createMetrics } from "./metrics.js";
import { API_VERSION } from "./openapi.js";
import { ServiceRegistry } from "./registry.js";
import { RunCache } from "./run-cache.js";
import { listen } from "./server.js";
import { startWatchdog } from "./watchdog.js";

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("supervisor", { level: config.LOG_LEVEL });
  const bus = await connectBus({ url: config.NATS_URL, name: `supervisor-${config.HARNESS_INSTANCE}`, logger, ...natsAuth(config) });
  hideSecretsFromEnvironment();
  if (config.HARNESS_PROVISION) await bus.provision({ evaluators: config.SUPERVISOR_EVALUATORS, ackWaitMs: config.HARNESS_ACK_WAIT_MS });
  const metrics = createMetrics();
  const registry = new ServiceRegistry();
  registry.start(bus);
  // One per replica: event folds and the watchdog keep it current for each other.
  const cache = new RunCache(Math.floor(config.SUPERVISOR_RUN_CACHE_MB * 1024 * 1024));
  const handlers = createHandlers({ bus, logger, metrics, cache });
  let inFlight = 0;
  const consumer = bus.consume(CONSUMERS.supervisor, EventMessage, async (event, ctx) => {
    inFlight++;
    try { await handlers.onEvent(event, ctx); } finally { inFlight--; }
  }, { concurrency: config.SUPERVISOR_CONCURRENCY });
  const watchdog = startWatchdog({
    bus, logger: logger.child({ component: "watchdog" }), metrics, cache, stallAfterMs: config.SUPERVISOR_STALL_MS, intervalMs: config.SUPERVISOR_WATCHDOG_INTERVAL_MS,
    liveEvaluators: () => registry.liveEvaluators(), evaluatorWaitMs: config.SUPERVISOR_EVALUATOR_WAIT_MS,
  });
  const heartbeat = startHeartbeat(bus, { role: "supervisor", name: "supervisor", instance: config.HARNESS_INSTANCE, version: API_VERSION, capacity: config.SUPERVISOR_CONCURRENCY, inFlight: () => inFlight });
  const app = await buildApp({
    bus, apiToken: config.HARNESS_API_TOKEN, registry, metrics, logger: logger.child({ component: "api" }),
    bodyLimit: config.SUPERVISOR_BODY_LIMIT, evaluators: config.SUPERVISOR_EVALUATORS, readAuth: config.SUPERVISOR_READ_AUTH,
  });
  const url = await listen(app, config.SUPERVISOR_HOST, config.SUPERVISOR_PORT);
  logger.info({ url }, "supervisor ready");
  // One plain line for humans and for tools that wait on it.
  process.stdout.write(`supervisor listening on ${url}\n`);
  onShutdown(logger, async () => {
    heartbeat.stop();
    await watchdog.stop();
    await app.close();
    await consumer.stop();
    registry.stop();
    await bus.close();
  });
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
