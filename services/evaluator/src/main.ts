import { CONSUMERS, EvaluationRequested, evaluatorConsumer, ReviewRequested } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { createModelClient } from "@harness/model";
import { runnerMain, sandboxStatus } from "@harness/workspace";
import { secretFromEnv, startWorkerService, workerHandler } from "@harness/runtime";
import { loadConfig } from "./config.js";
import { loadJudgePrompt, loadPrompt } from "./prompts.js";
import { createHandlers } from "./handlers.js";

const VERSION = "0.1.0";

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("evaluator", { level: config.LOG_LEVEL }).child({ evaluator: config.EVALUATOR_NAME });
  // Before any workspace is written: the runner mode sets the umask its shared volume needs.
  const sandbox = sandboxStatus();
  if (sandbox.mode === "off") logger.warn({ sandbox: sandbox.mode }, `build and check commands are NOT sandboxed: ${sandbox.reason}`);
  else logger.info({ sandbox: sandbox.mode }, `commands sandboxed: ${sandbox.reason}`);
  // The key from ANTHROPIC_API_KEY_FILE when set (nothing secret in the environment), else ANTHROPIC_API_KEY.
  const apiKey = secretFromEnv(process.env, "ANTHROPIC_API_KEY");
  const model = createModelClient({ logger, ...(apiKey ? { apiKey } : {}), ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) });
  const judgeSystem = await loadJudgePrompt();
  const reviewSystem = await loadPrompt("review");
  const producer = { role: "evaluator" as const, instance: `${config.EVALUATOR_NAME}-${config.HARNESS_INSTANCE}` };
  const concurrency = config.EVALUATOR_CONCURRENCY;
  await startWorkerService({
    role: "evaluator", name: config.EVALUATOR_NAME, version: VERSION, config, logger, capacity: concurrency,
    provision: async (bus) => { if (config.HARNESS_PROVISION) await bus.ensureEvaluatorConsumer(config.EVALUATOR_NAME); },
    consumers: (bus, track, stopping) => {
      const handlers = createHandlers({ bus, model, name: config.EVALUATOR_NAME, workdir: config.EVALUATOR_WORKDIR, chromium: config.EVALUATOR_CHROMIUM, restoreGit: config.EVALUATOR_RESTORE_GIT, judgeSystem, reviewSystem, stopping });
      const consumers = [
        bus.consume(evaluatorConsumer(config.EVALUATOR_NAME), EvaluationRequested, workerHandler<EvaluationRequested>(bus, producer, (w) => track(() => handlers.evaluate(w))), { concurrency }),
      ];
      if (config.EVALUATOR_REVIEWS_CONTRACTS) {
        consumers.push(bus.consume(CONSUMERS.reviewer, ReviewRequested, workerHandler<ReviewRequested>(bus, producer, (w) => track(() => handlers.review(w))), { concurrency }));
      }
      return consumers;
    },
  });
}

// The runner sidecar (infra/k8s) starts this image with `runner`: it runs commands, nothing else.
(process.argv[2] === "runner" ? runnerMain() : run()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
