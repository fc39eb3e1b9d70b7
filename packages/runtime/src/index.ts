export { envelope, derivedId, randomId } from "./envelope.js";
export { BaseEnv, parseEnv, ConfigError } from "./config.js";
export { startHeartbeat } from "./heartbeat.js";
export { onShutdown, startHealthServer } from "./lifecycle.js";
export { runBudgetGuard, RunNotActiveError } from "./budget.js";
export { workerHandler } from "./worker.js";
export type { Cause } from "./envelope.js";
export type { HeartbeatOptions } from "./heartbeat.js";
export type { WorkContext } from "./worker.js";
