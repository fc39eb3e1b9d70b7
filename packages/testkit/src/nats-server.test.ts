import { describe, expect, it } from "vitest";
import { startNatsServer } from "./nats-server.js";

describe("testkit - nats-server", () => {
  it("starts an isolated JetStream server on a random port and keeps its store across a restart", async () => {
    const server = await startNatsServer();
    try {
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      const before = server.port;
      const jsz = await (await fetch(`${server.monitorUrl}/jsz`)).json() as { config?: { store_dir?: string } };
      expect(jsz.config?.store_dir).toContain(server.storeDir);
      await server.restart();
      expect(server.port).toBe(before);
    } finally {
      await server.cleanup();
    }
  });
});
