import { connectBus, type Bus, type BusConsumer } from "@harness/bus";
import type { Role } from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { startHeartbeat } from "./heartbeat.js";
import { onShutdown, startHealthServer } from "./lifecycle.js";
import { natsAuth } from "./nats-auth.js";
import { hideSecretsFromEnvironment } from "./secrets.js";

/** The env every worker reads (see BaseEnv). */
export interface WorkerConfig {
  NATS_URL: string;
  NATS_USER?: string | undefined;
  NATS_PASSWORD?: string | undefined;
  NATS_PASSWORD_FILE?: string | undefined;
  HARNESS_INSTANCE: string;
  HARNESS_HEALTH_PORT?: number | undefined;
  HARNESS_PROVISION: boolean;
  HARNESS_ACK_WAIT_MS: number;
}

export interface WorkerServiceOptions {
  role: Role;
  /** Registry name: the role, or the evaluator's name. */
  name: string;
  version: string;
  config: WorkerConfig;
  logger: Logger;
  capacity: number;
  /** Extra provisioning after the shared streams exist (e.g. an evaluator's own consumer). */
  provision?: (bus: Bus) => Promise<void>;
  /**
   * Starts the consumers; `track` counts in-flight work for heartbeats. `stopping` is aborted
   * when the service starts to drain, for work that would rather be released for redelivery than
   * finished (or, worse, finished with results its own shutdown spoiled).
   */
  consumers: (bus: Bus, track: <T>(fn: () => Promise<T>) => Promise<T>, stopping: AbortSignal) => BusConsumer[] | Promise<BusConsumer[]>;
}

export async function connectService(config: WorkerConfig, logger: Logger, name: string): Promise<Bus> {
  return connectBus({ url: config.NATS_URL, name: `${name}-${config.HARNESS_INSTANCE}`, logger, ...natsAuth(config) });
}

/**
 * The shape every worker service shares: connect, provision, consume, announce itself with
 * heartbeats, answer health probes, say it is ready, and drain on SIGTERM.
 */
export async function startWorkerService(opts: WorkerServiceOptions): Promise<{ bus: Bus; stop(): Promise<void> }> {
  const { config, logger } = opts;
  const bus = await connectService(config, logger, opts.name === opts.role ? opts.role : `${opts.role}-${opts.name}`);
  // Config, model client and NATS connection hold what they need by now; build and check
  // commands run as this user and must not find the keys in /proc/<this pid>/environ.
  hideSecretsFromEnvironment();
  if (config.HARNESS_PROVISION) await bus.provision({ ackWaitMs: config.HARNESS_ACK_WAIT_MS });
  await opts.provision?.(bus);
  let inFlight = 0;
  const track = <T>(fn: () => Promise<T>): Promise<T> => { inFlight++; return fn().finally(() => { inFlight--; }); };
  const stopping = new AbortController();
  const consumers = await opts.consumers(bus, track, stopping.signal);
  const heartbeat = startHeartbeat(bus, { role: opts.role, name: opts.name, instance: config.HARNESS_INSTANCE, version: opts.version, capacity: opts.capacity, inFlight: () => inFlight });
  const health = await startHealthServer(config.HARNESS_HEALTH_PORT, () => !bus.nc.isClosed());
  // One plain line, whatever the log level, for launchers and people (not a log record too).
  process.stdout.write(`${opts.role} ready\n`);
  const stop = async () => {
    stopping.abort(new Error(`${opts.role} is stopping`));
    heartbeat.stop();
    await Promise.all(consumers.map((c) => c.stop()));
    await bus.close();
    health?.close();
  };
  onShutdown(logger, stop);
  return { bus, stop };
}
