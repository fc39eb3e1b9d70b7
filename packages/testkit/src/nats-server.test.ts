import { statSync } from "node:fs";
import { connect, errors } from "@nats-io/transport-node";
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
      const nc = await connect(server.as());
      await nc.close();
    } finally {
      await server.cleanup();
    }
  });

  it("runs the harness's per-role users: anonymous clients are refused, each role gets its own permissions, files are 0600", async () => {
    const server = await startNatsServer();
    try {
      await expect(connect({ servers: server.url, reconnect: false })).rejects.toBeInstanceOf(errors.AuthorizationError);
      const generator = await connect(server.as("generator"));
      const sub = generator.subscribe("harness.work.evaluate.core");
      expect(await sub.closed).toBeInstanceOf(errors.PermissionViolationError);
      await generator.close();
      const env = server.envFor("planner");
      expect(env).toMatchObject({ NATS_URL: server.url, NATS_USER: "planner" });
      expect(statSync(env["NATS_PASSWORD_FILE"] ?? "").mode & 0o077).toBe(0);
      expect(statSync(server.credentials?.confPath ?? "").mode & 0o077).toBe(0);
    } finally {
      await server.cleanup();
    }
  });

  it("adds a custom evaluator's user to the running server by a config reload", async () => {
    const server = await startNatsServer();
    try {
      expect(() => server.as("evaluator-extra")).toThrow(/no NATS user/);
      await server.addEvaluators(["extra"]);
      const nc = await connect(server.as("evaluator-extra"));
      await nc.flush();
      await nc.close();
      // JetStream survives the reload (nats-server 2.9 turns it off on a reload of a file without it).
      const admin = await connect(server.as());
      const info = (await admin.request("$JS.API.INFO", "", { timeout: 5_000 })).json<{ error?: unknown; type?: string }>();
      expect(info.error).toBeUndefined();
      await admin.close();
      // Users already connected are not locked out: their passwords are kept.
      const planner = await connect(server.as("planner"));
      await planner.close();
    } finally {
      await server.cleanup();
    }
  });
});
