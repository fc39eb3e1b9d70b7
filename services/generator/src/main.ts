import { CONSUMERS, GeneratorWork } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { createModelClient } from "@harness/model";
import { runnerMain, sandboxStatus } from "@harness/workspace";
import { secretFromEnv, startWorkerService, workerHandler, type WorkContext } from "@harness/runtime";
import { loadConfig } from "./config.js";
import { createHandlers } from "./handlers.js";

const VERSION = "0.1.0";

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("generator", { level: config.LOG_LEVEL });
  // Before any workspace is written: the runner mode sets the umask its shared volume needs.
  const sandbox = sandboxStatus();
  if (sandbox.mode === "off") logger.warn({ sandbox: sandbox.mode }, `build and check commands are NOT sandboxed: ${sandbox.reason}`);
  else logger.info({ sandbox: sandbox.mode }, `commands sandboxed: ${sandbox.reason}`);
  // The key from ANTHROPIC_API_KEY_FILE when set (nothing secret in the environment), else ANTHROPIC_API_KEY.
  const apiKey = secretFromEnv(process.env, "ANTHROPIC_API_KEY");
  const model = createModelClient({ logger, ...(apiKey ? { apiKey } : {}), ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) });
  const producer = { role: "generator" as const, instance: config.HARNESS_INSTANCE };
  await startWorkerService({
    role: "generator", name: "generator", version: VERSION, config, logger, capacity: config.GENERATOR_CONCURRENCY,
    consumers: (bus, track) => {
      const handlers = createHandlers({
        bus, model, workdir: config.GENERATOR_WORKDIR, maxTurns: config.GENERATOR_MAX_TURNS,
        contextLimitTokens: config.GENERATOR_CONTEXT_LIMIT_TOKENS, commandTimeoutMs: config.GENERATOR_COMMAND_TIMEOUT_MS,
      });
      return [bus.consume(CONSUMERS.generator, GeneratorWork, workerHandler<GeneratorWork>(bus, producer, (w) => track(async () => {
        const msg = w.msg;
        if (msg.type === "contract.requested") await handlers.proposeContract({ ...w, msg } as WorkContext<typeof msg>);
        else await handlers.build({ ...w, msg } as WorkContext<typeof msg>);
      })), { concurrency: config.GENERATOR_CONCURRENCY })];
    },
  });
}

// The runner sidecar (infra/k8s) starts this image with `runner`: it runs commands, nothing else.
(process.argv[2] === "runner" ? runnerMain() : run()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
