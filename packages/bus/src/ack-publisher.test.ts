import { startNatsServer } from "@harness/testkit";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AckPublisher } from "./ack-publisher.js";

// `open` may publish anywhere but "denied.>"; `deaf` may subscribe only to "ok.>", so not to its
// own inbox.
const CONFIG = `authorization { users = [
  { user: open, password: open, permissions: { publish: { allow: [">"], deny: ["denied.>"] }, subscribe: { allow: [">"] } } },
  { user: deaf, password: deaf, permissions: { publish: { allow: [">"] }, subscribe: { allow: ["ok.>"] } } }
] }`;

let server: Awaited<ReturnType<typeof startNatsServer>>;
const opened: NatsConnection[] = [];
beforeAll(async () => { server = await startNatsServer({ config: CONFIG }); });
afterAll(async () => {
  for (const nc of opened) await nc.close();
  await server?.cleanup();
});

async function as(user: string): Promise<NatsConnection> {
  const nc = await connect({ servers: server.url, user, pass: user });
  opened.push(nc);
  return nc;
}

describe("bus - shared reply path", () => {
  it("fails a request to a forbidden subject with the server's refusal, and still answers one to another subject", async () => {
    const responder = await as("open");
    responder.subscribe("ok.x", { callback: (_err, m) => { setTimeout(() => m.respond("hi"), 100); } });
    await responder.flush();
    const requests = new AckPublisher(await as("open"), 30_000);
    try {
      const allowed = requests.request("ok.x", "");
      await expect(requests.request("denied.x", "")).rejects.toBeInstanceOf(errors.PermissionViolationError);
      expect((await allowed).string()).toBe("hi");
    } finally {
      requests.close();
    }
  });

  it("fails every request, later ones too, with the server's refusal when it may not subscribe to its replies", async () => {
    const nc = await as("deaf");
    const requests = new AckPublisher(nc, 30_000);
    try {
      const first = requests.request("ok.y", "");
      await expect(first).rejects.toBeInstanceOf(errors.PermissionViolationError);
      await expect(requests.request("ok.y", "")).rejects.toBeInstanceOf(errors.PermissionViolationError);
    } finally {
      requests.close();
    }
  });

  it("fails a request sent before the connection dropped as soon as it is back, not after its timeout, and answers one sent after", async () => {
    const nc = await connect({ servers: server.url, user: "open", pass: "open", reconnectTimeWait: 100, maxReconnectAttempts: -1 });
    opened.push(nc);
    const requests = new AckPublisher(nc, 60_000);
    try {
      // "silent.x" is heard but never answered: only the dropped connection can end this one early.
      const listener = await as("open");
      listener.subscribe("silent.x", { callback: () => undefined });
      await listener.flush();
      const before = requests.request("silent.x", "");
      await nc.flush();
      const started = Date.now();
      await server.restart();
      await expect(before).rejects.toBeInstanceOf(errors.TimeoutError);
      // Well before its 60 s timeout (the client reconnects within about a second).
      expect(Date.now() - started).toBeLessThan(30_000);
      const responder = await as("open");
      responder.subscribe("ok.z", { callback: (_err, m) => { m.respond("after"); } });
      await responder.flush();
      expect((await requests.request("ok.z", "")).string()).toBe("after");
    } finally {
      requests.close();
    }
  }, 60_000);
});
