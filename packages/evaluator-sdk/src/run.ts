import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectBus, type Bus } from "@harness/bus";
import { EvaluationRequested, evaluatorConsumer } from "@harness/contracts";
import { createLogger, type Logger } from "@harness/logger";
import { BaseEnv, natsAuth, onShutdown, parseEnv, startHealthServer, startHeartbeat, workerHandler } from "@harness/runtime";
import type { Evaluator } from "./define.js";
import { verdictHandler } from "./handle.js";

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const ENSURE_CONSUMER_FOR_MS = 30_000;

export interface RunEvaluatorOptions {
  /** Defaults come from the environment: NATS_URL, NATS_USER, NATS_PASSWORD_FILE (or NATS_PASSWORD), HARNESS_INSTANCE, ... */
  natsUrl?: string;
  user?: string;
  pass?: string;
  instance?: string;
  /** Evaluations handled at once by this process. Default 1. */
  concurrency?: number;
  /** Where artifacts are restored. Default: a directory under the OS temp dir. */
  workdir?: string;
  /** Per evaluation. Default 10 minutes. */
  timeoutMs?: number;
  /** Create the `evaluator-<name>` durable if it is missing. Off where the NATS user may not (the supervisor then provisions it). */
  provision?: boolean;
  /** Drain and exit on SIGTERM/SIGINT. Default true; embedders and tests turn it off and call stop(). */
  handleSignals?: boolean;
  healthPort?: number;
  heartbeatIntervalMs?: number;
  logger?: Logger;
}

export interface RunningEvaluator {
  readonly name: string;
  readonly bus: Bus;
  /** Stops taking work, lets in-flight evaluations finish and publish, then disconnects. */
  stop(): Promise<void>;
}

/** Creates the durable, retrying while the work stream does not exist yet (the supervisor makes it). */
async function ensureConsumer(bus: Bus, name: string, logger: Logger): Promise<void> {
  const deadline = Date.now() + ENSURE_CONSUMER_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await bus.ensureEvaluatorConsumer(name);
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        logger.warn({ err }, `could not create consumer ${evaluatorConsumer(name)}; waiting for it to be provisioned (e.g. SUPERVISOR_EVALUATORS)`);
        return;
      }
      if (attempt === 1) logger.info({ err }, "work stream not ready; retrying");
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * attempt)));
    }
  }
}

/**
 * Serves one custom evaluator: connects, consumes `harness.work.evaluate.<name>`, announces
 * itself with heartbeats (so the supervisor lists it), and publishes a Verdict per evaluation.
 */
export async function runEvaluator(def: Evaluator, opts: RunEvaluatorOptions = {}): Promise<RunningEvaluator> {
  const env = parseEnv(BaseEnv);
  const logger = (opts.logger ?? createLogger(`evaluator-${def.name}`, { level: env.LOG_LEVEL })).child({ evaluator: def.name });
  const instance = opts.instance ?? env.HARNESS_INSTANCE;
  const user = opts.user ?? env.NATS_USER;
  const pass = opts.pass ?? natsAuth(env).pass;
  const concurrency = opts.concurrency ?? 1;
  const bus = await connectBus({ url: opts.natsUrl ?? env.NATS_URL, name: `evaluator-${def.name}-${instance}`, logger, ...(user ? { user, pass: pass ?? "" } : {}) });
  if (opts.provision ?? env.HARNESS_PROVISION) await ensureConsumer(bus, def.name, logger);

  let inFlight = 0;
  const handle = verdictHandler(def, { artifacts: bus.artifacts, workdir: opts.workdir ?? join(tmpdir(), `harness-evaluator-${def.name}`), timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS }, {
    enter: () => { inFlight++; }, leave: () => { inFlight--; },
  });
  const producer = { role: "evaluator" as const, instance: `${def.name}-${instance}` };
  const consumer = bus.consume(evaluatorConsumer(def.name), EvaluationRequested, workerHandler<EvaluationRequested>(bus, producer, handle), { concurrency });
  const heartbeat = startHeartbeat(bus, {
    role: "evaluator", name: def.name, instance, version: def.version, capacity: concurrency, inFlight: () => inFlight,
    ...(opts.heartbeatIntervalMs !== undefined ? { intervalMs: opts.heartbeatIntervalMs } : {}),
  });
  const health = await startHealthServer(opts.healthPort ?? env.HARNESS_HEALTH_PORT, () => !bus.nc.isClosed());

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      heartbeat.stop();
      await consumer.stop();
      await bus.close();
      health?.close();
    })();
    return stopping;
  };
  if (opts.handleSignals ?? true) onShutdown(logger, stop);
  logger.info({ nats: opts.natsUrl ?? env.NATS_URL, version: def.version }, `evaluator ${def.name} ready`);
  return { name: def.name, bus, stop };
}
