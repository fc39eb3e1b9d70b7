import { connectBus, type BusConsumer } from "@harness/bus";
import { CONSUMERS, EvaluationRequested, evaluatorConsumer, ReviewRequested } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { createModelClient } from "@harness/model";
import { onShutdown, startHealthServer, startHeartbeat, workerHandler } from "@harness/runtime";
import { loadConfig } from "./config.js";
import { loadJudgePrompt, loadPrompt } from "./prompts.js";
import { createHandlers } from "./handlers.js";

const VERSION = "0.1.0";

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("evaluator", { level: config.LOG_LEVEL }).child({ evaluator: config.EVALUATOR_NAME });
  const bus = await connectBus({ url: config.NATS_URL, name: `evaluator-${config.EVALUATOR_NAME}-${config.HARNESS_INSTANCE}`, logger, ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? "" } : {}) });
  if (config.HARNESS_PROVISION) {
    await bus.provision({ ackWaitMs: config.HARNESS_ACK_WAIT_MS });
    await bus.ensureEvaluatorConsumer(config.EVALUATOR_NAME);
  }
  const model = createModelClient({ logger, ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) });
  const handlers = createHandlers({
    bus, model, name: config.EVALUATOR_NAME, workdir: config.EVALUATOR_WORKDIR, chromium: config.EVALUATOR_CHROMIUM,
    judgeSystem: await loadJudgePrompt(), reviewSystem: await loadPrompt("review"),
  });
  const producer = { role: "evaluator" as const, instance: `${config.EVALUATOR_NAME}-${config.HARNESS_INSTANCE}` };
  let inFlight = 0;
  const track = <T>(fn: () => Promise<T>) => { inFlight++; return fn().finally(() => { inFlight--; }); };
  const consumers: BusConsumer[] = [
    bus.consume(evaluatorConsumer(config.EVALUATOR_NAME), EvaluationRequested, workerHandler<EvaluationRequested>(bus, producer, (w) => track(() => handlers.evaluate(w))), { concurrency: config.EVALUATOR_CONCURRENCY }),
  ];
  if (config.EVALUATOR_REVIEWS_CONTRACTS) {
    consumers.push(bus.consume(CONSUMERS.reviewer, ReviewRequested, workerHandler<ReviewRequested>(bus, producer, (w) => track(() => handlers.review(w))), { concurrency: config.EVALUATOR_CONCURRENCY }));
  }
  const heartbeat = startHeartbeat(bus, { role: "evaluator", name: config.EVALUATOR_NAME, instance: config.HARNESS_INSTANCE, version: VERSION, capacity: config.EVALUATOR_CONCURRENCY, inFlight: () => inFlight });
  const health = await startHealthServer(config.HARNESS_HEALTH_PORT, () => !bus.nc.isClosed());
  logger.info({ nats: config.NATS_URL }, "evaluator ready");
  // One plain line, whatever the log level, for launchers that wait on it.
  process.stdout.write("evaluator ready\n");
  onShutdown(logger, async () => {
    heartbeat.stop();
    await Promise.all(consumers.map((c) => c.stop()));
    await bus.close();
    health?.close();
  });
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
