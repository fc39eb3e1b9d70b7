import { connectBus } from "@harness/bus";
import { CONSUMERS, GeneratorWork } from "@harness/contracts";
import type { WorkContext } from "@harness/runtime";
import { createLogger } from "@harness/logger";
import { createModelClient } from "@harness/model";
import { onShutdown, startHealthServer, startHeartbeat, workerHandler } from "@harness/runtime";
import { loadConfig } from "./config.js";
import { createHandlers } from "./handlers.js";

const VERSION = "0.1.0";

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("generator", { level: config.LOG_LEVEL });
  const bus = await connectBus({ url: config.NATS_URL, name: `generator-${config.HARNESS_INSTANCE}`, logger, ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? "" } : {}) });
  if (config.HARNESS_PROVISION) await bus.provision({ ackWaitMs: config.HARNESS_ACK_WAIT_MS });
  const model = createModelClient({ logger, ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) });
  const handlers = createHandlers({
    bus, model, workdir: config.GENERATOR_WORKDIR, maxTurns: config.GENERATOR_MAX_TURNS,
    contextLimitTokens: config.GENERATOR_CONTEXT_LIMIT_TOKENS, commandTimeoutMs: config.GENERATOR_COMMAND_TIMEOUT_MS,
  });
  const producer = { role: "generator" as const, instance: config.HARNESS_INSTANCE };
  let inFlight = 0;
  const consumer = bus.consume(CONSUMERS.generator, GeneratorWork, workerHandler<GeneratorWork>(bus, producer, async (w) => {
    inFlight++;
    try {
      const msg = w.msg;
      if (msg.type === "contract.requested") await handlers.proposeContract({ ...w, msg } as WorkContext<typeof msg>);
      else await handlers.build({ ...w, msg } as WorkContext<typeof msg>);
    } finally { inFlight--; }
  }), { concurrency: config.GENERATOR_CONCURRENCY });
  const heartbeat = startHeartbeat(bus, { role: "generator", name: "generator", instance: config.HARNESS_INSTANCE, version: VERSION, capacity: config.GENERATOR_CONCURRENCY, inFlight: () => inFlight });
  const health = await startHealthServer(config.HARNESS_HEALTH_PORT, () => !bus.nc.isClosed());
  logger.info({ nats: config.NATS_URL }, "generator ready");
  // One plain line, whatever the log level, for launchers that wait on it.
  process.stdout.write("generator ready\n");
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
