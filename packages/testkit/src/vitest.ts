import { afterAll, beforeAll } from "vitest";
import { startNatsServer, type NatsServer, type NatsServerOptions } from "./nats-server.js";

/**
 * Gives the calling test file its own nats-server (random port, temp store), started
 * before its tests and removed after. Read `.server` inside tests, not at import time.
 */
export function useNatsServer(opts: NatsServerOptions = {}): {
  readonly server: NatsServer; readonly url: string;
  as: NatsServer["as"]; envFor: NatsServer["envFor"];
} {
  let server: NatsServer | undefined;
  beforeAll(async () => { server = await startNatsServer(opts); });
  afterAll(async () => { await server?.cleanup(); });
  return {
    get server() {
      if (!server) throw new Error("nats-server not started yet: use it inside a test or hook");
      return server;
    },
    get url() { return this.server.url; },
    as(user) { return this.server.as(user); },
    envFor(user) { return this.server.envFor(user); },
  };
}
