import { startNatsServer, useNatsServer } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kvm } from "@nats-io/kv";
import { BUCKETS } from "@harness/contracts";
import { KvConflictError, StoreError } from "./errors.js";
import { testBus } from "./test-fixtures/messages.js";
import type { Bus } from "./types.js";

const nats = useNatsServer();
let writerA: Bus;
let writerB: Bus;

beforeAll(async () => {
  writerA = await testBus(nats.as(), "writer-a");
  await writerA.provision();
  writerB = await testBus(nats.as(), "writer-b");
});
afterAll(async () => {
  await writerA.close();
  await writerB.close();
});

describe("bus - run store", () => {
  it("lets one of two writers racing on a key win; the other gets KvConflictError", async () => {
    const rev = await writerA.runs.create("run-race", { status: "planning", applied: 0 });
    const results = await Promise.allSettled([
      writerA.runs.update("run-race", { status: "contracting", applied: 1, by: "a" }, rev),
      writerB.runs.update("run-race", { status: "contracting", applied: 1, by: "b" }, rev),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(KvConflictError);
    expect(lost[0]?.reason).toMatchObject({ code: "BUS_ERR_KV_CONFLICT", key: "run-race" });

    const current = await writerB.runs.get("run-race");
    const winner = won[0]?.status === "fulfilled" ? won[0].value : -1;
    expect(current?.revision).toBe(winner);
    expect(current?.value).toMatchObject({ applied: 1 });
  });

  it("refuses to create an existing key and lists keys", async () => {
    await writerA.runs.create("run-once", { n: 1 });
    await expect(writerB.runs.create("run-once", { n: 2 })).rejects.toBeInstanceOf(KvConflictError);
    expect(await writerB.runs.get("run-missing")).toBeNull();
    expect((await writerB.runs.keys()).sort()).toEqual(["run-once", "run-race"]);
  });

  it("lists every key once while the keys are being written", async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `run-busy-${i}`);
    await Promise.all(ids.map((id) => writerA.runs.put(id, { n: 0 })));
    let writing = true;
    // Another connection keeps rewriting the keys while they are listed, as active runs do.
    const writer = (async () => {
      for (let n = 1; writing; n++) await Promise.all(ids.slice(0, 50).map((id) => writerB.runs.put(id, { n })));
    })();
    try {
      for (let round = 0; round < 5; round++) {
        const keys = (await writerA.runs.keys()).filter((k) => k.startsWith("run-busy-"));
        expect(keys.length).toBe(new Set(keys).size);
        expect(new Set(keys)).toEqual(new Set(ids));
      }
    } finally {
      writing = false;
      await writer;
    }
    // Size is the stored JSON's, in bytes.
    expect((await writerA.runs.get("run-busy-0"))?.size).toBe(Buffer.byteLength(JSON.stringify((await writerA.runs.get("run-busy-0"))?.value)));
  });

  it("gives each key's latest revision, leaves deleted keys out, and leaves no consumer behind however often it lists", async () => {
    const kv = await new Kvm(writerA.js).open(BUCKETS.runs);
    const first = await writerA.runs.put("run-rev", { n: 1 });
    const second = await writerA.runs.put("run-rev", { n: 2 });
    await writerA.runs.put("run-gone", { n: 1 });
    await kv.delete("run-gone");
    const consumers = async () => (await writerA.jsm.streams.info(`KV_${BUCKETS.runs}`)).state.consumer_count;
    const before = await consumers();
    for (let i = 0; i < 20; i++) {
      const revisions = await writerB.runs.revisions();
      expect(revisions.get("run-rev")).toBe(second);
      expect(revisions.has("run-gone")).toBe(false);
    }
    expect(second).toBeGreaterThan(first);
    // Nothing matches: the early way out cleans up too.
    for (let i = 0; i < 5; i++) expect((await writerB.runs.revisions("no-such-run.*")).size).toBe(0);
    expect(await consumers()).toBe(before);
  });

  it("reads and writes the same entries as the client's own KV, deletes included", async () => {
    const kv = await new Kvm(writerA.js).open(BUCKETS.runs);
    const rev = await kv.put("run-interop", JSON.stringify({ from: "client" }));
    expect(await writerB.runs.get("run-interop")).toMatchObject({ value: { from: "client" }, revision: rev });

    const next = await writerB.runs.update("run-interop", { from: "store" }, rev);
    const entry = await kv.get("run-interop");
    expect(entry?.revision).toBe(next);
    expect(entry?.json()).toEqual({ from: "store" });
    await expect(writerB.runs.update("run-interop", { from: "stale" }, rev)).rejects.toBeInstanceOf(KvConflictError);

    await kv.delete("run-interop");
    expect(await writerB.runs.get("run-interop")).toBeNull();
    await kv.purge("run-interop");
    expect(await writerB.runs.get("run-interop")).toBeNull();
  });

  it("refuses a key that is not a plain KV key, before anything is sent", async () => {
    for (const key of ["run with space", "run.*", ".run", "run.", "run>x"]) {
      await expect(writerA.runs.get(key)).rejects.toBeInstanceOf(StoreError);
      await expect(writerA.runs.put(key, {})).rejects.toBeInstanceOf(StoreError);
    }
    expect((await writerA.runs.keys()).some((k) => k.includes(" ") || k.includes("*"))).toBe(false);
  });

  it("turns on direct gets, which the run store reads by, in a bucket made without them", async () => {
    const own = await startNatsServer();
    const bus = await testBus(own.as(), "old-bucket");
    try {
      const kv = await new Kvm(bus.js).create(BUCKETS.runs, { allow_direct: false });
      await kv.put("run-old", JSON.stringify({ n: 1 }));
      expect((await bus.jsm.streams.info(`KV_${BUCKETS.runs}`)).config.allow_direct).toBe(false);
      await bus.provision();
      expect((await bus.runs.get("run-old"))?.value).toEqual({ n: 1 });
    } finally {
      await bus.close();
      await own.cleanup();
    }
  });
});
