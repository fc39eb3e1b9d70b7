import { CONSUMERS, PlanRequested } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { createModelClient } from "@harness/model";
import { secretFromEnv, startWorkerService, workerHandler } from "@harness/runtime";
import { loadConfig } from "./config.js";
import { createHandlers } from "./handlers.js";

const VERSION = "0.1.0";

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("planner", { level: config.LOG_LEVEL });
  // The key from ANTHROPIC_API_KEY_FILE when set (nothing secret in the environment), else ANTHROPIC_API_KEY.
  const apiKey = secretFromEnv(process.env, "ANTHROPIC_API_KEY");
  const model = createModelClient({ logger, ...(apiKey ? { apiKey } : {}), ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) });
  const handlers = createHandlers({ model, maxReasks: config.PLANNER_MAX_REASKS });
  const producer = { role: "planner" as const, instance: config.HARNESS_INSTANCE };
  await startWorkerService({
    role: "planner", name: "planner", version: VERSION, config, logger, capacity: config.PLANNER_CONCURRENCY,
    consumers: (bus, track) => [
      bus.consume(CONSUMERS.planner, PlanRequested, workerHandler<PlanRequested>(bus, producer, (w) => track(() => handlers.plan(w))), { concurrency: config.PLANNER_CONCURRENCY }),
    ],
  });
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
