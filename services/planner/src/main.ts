import { connectBus } from "@harness/bus";
import { CONSUMERS, PlanRequested } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { createModelClient } from "@harness/model";
import { onShutdown, startHealthServer, startHeartbeat, workerHandler } from "@harness/runtime";
import { loadConfig } from "./config.js";
import { createHandlers } from "./handlers.js";

const VERSION = "0.1.0";

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("planner", { level: config.LOG_LEVEL });
  const bus = await connectBus({ url: config.NATS_URL, name: `planner-${config.HARNESS_INSTANCE}`, logger, ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? "" } : {}) });
  if (config.HARNESS_PROVISION) await bus.provision({ ackWaitMs: config.HARNESS_ACK_WAIT_MS });
  const model = createModelClient({ logger, ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) });
  const handlers = createHandlers({ model, maxReasks: config.PLANNER_MAX_REASKS });
  const producer = { role: "planner" as const, instance: config.HARNESS_INSTANCE };
  let inFlight = 0;
  const consumer = bus.consume(CONSUMERS.planner, PlanRequested, workerHandler<PlanRequested>(bus, producer, async (w) => {
    inFlight++;
    try { await handlers.plan(w); } finally { inFlight--; }
  }), { concurrency: config.PLANNER_CONCURRENCY });
  const heartbeat = startHeartbeat(bus, { role: "planner", name: "planner", instance: config.HARNESS_INSTANCE, version: VERSION, capacity: config.PLANNER_CONCURRENCY, inFlight: () => inFlight });
  const health = await startHealthServer(config.HARNESS_HEALTH_PORT, () => !bus.nc.isClosed());
  logger.info({ nats: config.NATS_URL }, "planner ready");
  // One plain line, whatever the log level, for launchers that wait on it.
  process.stdout.write("planner ready\n");
  onShutdown(logger, async () => {
    heartbeat.stop();
    await consumer.stop();
    await bus.close();
    health?.close();
  });
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
