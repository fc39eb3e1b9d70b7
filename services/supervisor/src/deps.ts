import type { Bus } from "@harness/bus";
import type { onRequestHookHandler } from "fastify";
import type { Metrics } from "./metrics.js";
import type { ServiceRegistry } from "./registry.js";
import type { RunIndex } from "./run-index.js";
import type { SseStreams } from "./sse.js";

/** What the route plugins share; built once by buildApp. */
export interface ApiDeps {
  bus: Bus;
  registry: ServiceRegistry;
  metrics: Metrics;
  /** Bearer check for mutating routes; runs on request, before the body is read or validated. */
  auth: onRequestHookHandler;
  /** The same check on routes that read runs and their data when SUPERVISOR_READ_AUTH is on; else lets every request through. */
  readAuth: onRequestHookHandler;
  streams: SseStreams;
  /** Run summaries for listings and metrics, refreshed by revision. */
  index: RunIndex;
  /** Evaluators whose consumer lag is reported even before one of them has sent a heartbeat. */
  evaluators: readonly string[];
}
