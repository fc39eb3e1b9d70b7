import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { useNatsServer, waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKETS } from "@harness/contracts";
import { StoreError } from "./errors.js";
import { testBus } from "./test-fixtures/messages.js";
import type { Bus } from "./types.js";

/**
 * A TCP relay in front of nats-server that, once armed, cuts every connection in the middle of
 * the first chunk from the server that holds `marker` (by default, a run-store listing's
 * messages: the listing loses some of them).
 */
class CuttingRelay {
  armed = false;
  marker = `$JS.ACK.KV_${BUCKETS.runs}`;
  /** Called instead of cutting, once the chunk has been passed on. */
  onMarker: (() => void) | undefined;
  cuts = 0;
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  constructor(target: number) {
    this.#server = createServer((client) => {
      const upstream = connect(target, "127.0.0.1");
      for (const s of [client, upstream]) { this.#sockets.add(s); s.on("close", () => this.#sockets.delete(s)); s.on("error", () => s.destroy()); }
      client.pipe(upstream);
      upstream.on("data", (chunk: Buffer) => {
        const at = chunk.indexOf(this.marker);
        if (!this.armed || at < 0) { client.write(chunk); return; }
        this.armed = false;
        this.cuts++;
        if (this.onMarker) { client.write(chunk); this.onMarker(); return; }
        client.write(chunk.subarray(0, at), () => { for (const s of this.#sockets) s.destroy(); });
      });
    });
  }
  #url: string | undefined;
  async listen(): Promise<string> {
    if (!this.#url) {
      await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
      this.#url = `nats://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    }
    return this.#url;
  }
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const nats = useNatsServer();
const KEYS = 3000;
let writer: Bus;
let relay: CuttingRelay;
let reader: Bus;

beforeAll(async () => {
  writer = await testBus(nats.as(), "writer");
  await writer.provision();
  for (let i = 0; i < KEYS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => writer.runs.put(`run-drop-${i + j}`, { n: i + j })));
  }
  relay = new CuttingRelay(Number(new URL(nats.url).port));
  reader = await testBus({ ...nats.as(), url: await relay.listen() }, "reader");
});
afterAll(async () => {
  await reader.close();
  await relay.close();
  await writer.close();
});

describe("bus - run store listing over a dropped connection", () => {
  it("ends with every key or with a StoreError when the connection drops mid-listing, never with part of them, and leaves no consumer behind", async () => {
    const consumers = async () => (await writer.jsm.streams.info(`KV_${BUCKETS.runs}`)).state.consumer_count;
    expect((await reader.runs.revisions()).size).toBe(KEYS);
    for (let round = 0; round < 3; round++) {
      relay.armed = true;
      const outcome = await reader.runs.revisions().then((r) => r.size, (err: unknown) => err);
      expect(relay.cuts).toBe(round + 1);
      if (typeof outcome === "number") expect(outcome).toBe(KEYS);
      else expect(outcome).toBeInstanceOf(StoreError);
      // Listed again once the connection is back, it is whole.
      expect((await reader.runs.revisions()).size).toBe(KEYS);
    }
    expect(await consumers()).toBe(0);
  }, 60_000);

  it("throws StoreError, not the part it has, when its own connection is closed mid-listing", async () => {
    const closing = await testBus({ ...nats.as(), url: await relay.listen() }, "closing");
    relay.marker = `$JS.ACK.KV_${BUCKETS.runs}`;
    relay.onMarker = () => { void closing.nc.close(); };
    relay.armed = true;
    try {
      // Either it had every key before the close took effect, or it fails: never part of them.
      const outcome = await closing.runs.revisions().then((r) => r.size, (err: unknown) => err);
      if (typeof outcome === "number") expect(outcome).toBe(KEYS);
      else expect(outcome).toBeInstanceOf(StoreError);
    } finally {
      relay.onMarker = undefined;
      relay.armed = false;
      // A closed connection cannot delete its consumer: it would expire on its own.
      for await (const c of writer.jsm.consumers.list(`KV_${BUCKETS.runs}`)) await writer.jsm.consumers.delete(`KV_${BUCKETS.runs}`, c.name);
    }
  }, 30_000);

  it("deletes the listing's consumer when the answer to creating it is lost", async () => {
    const consumers = async () => (await writer.jsm.streams.info(`KV_${BUCKETS.runs}`)).state.consumer_count;
    relay.marker = "consumer_create_response";
    relay.armed = true;
    try {
      const outcome = await reader.runs.revisions().then((r) => r.size, (err: unknown) => err);
      expect(relay.cuts).toBeGreaterThan(0);
      if (typeof outcome === "number") expect(outcome).toBe(KEYS);
      else expect(outcome).toBeInstanceOf(StoreError);
      // Deleted in the background once the connection is back, not left to its five-minute expiry.
      await waitFor(async () => (await consumers()) === 0 || undefined, { timeoutMs: 15_000, what: "no consumer left" });
      expect((await reader.runs.revisions()).size).toBe(KEYS);
    } finally {
      relay.armed = false;
    }
  }, 60_000);
});
