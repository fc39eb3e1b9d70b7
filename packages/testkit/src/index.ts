export { findNatsServer, reloadNats, startNatsServer, sleep } from "./nats-server.js";
export { useNatsServer } from "./vitest.js";
export { waitFor } from "./wait.js";
export type { NatsServer, NatsServerOptions } from "./nats-server.js";
