import { connectBus, type Bus, type RunStore } from "@harness/bus";
import { ledgerKey, RunState, SUBJECTS, type EventMessage, type RunLedger } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { randomId } from "@harness/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The test kit is not a dependency of the service (tests only); it is reached by path.
import { useNatsServer, waitFor } from "../../../packages/testkit/src/index.js";
import { foldEvent, foldStep } from "./fold.js";
import { initialState, reduce } from "./reducer.js";
import { RunCache } from "./run-cache.js";
import { about, contractFor, ev, options, SPEC } from "./test-fixtures.js";

const nats = useNatsServer();
const logger = createLogger("supervisor", { level: "silent" });

/** The bus with its run store counted: every get and compare-and-set the fold makes goes through here. */
interface Counted { bus: Bus; gets: number; updates: number; conflicts: number }

function counted(bus: Bus): Counted {
  const c: Counted = { bus, gets: 0, updates: 0, conflicts: 0 };
  const runs: RunStore = {
    ...bus.runs,
    get: (key) => { if (!key.startsWith("ledger.")) c.gets++; return bus.runs.get(key); },
    update: async (key, value, revision, opts) => {
      c.updates++;
      try { return await bus.runs.update(key, value, revision, opts); } catch (err) { c.conflicts++; throw err; }
    },
  };
  c.bus = { ...bus, runs };
  return c;
}

let bus: Bus;
/** Another process's connection: an API replica or another supervisor, writing behind our cache. */
let other: Bus;
let work: ReturnType<Bus["nc"]["subscribe"]>;
const workSeen: Array<{ type: string; runId: string; id: string }> = [];

beforeAll(async () => {
  bus = await connectBus({ ...nats.as(), name: "fold-test" });
  await bus.provision({ evaluators: ["core"], ackWaitMs: 5_000 });
  other = await connectBus({ ...nats.as(), name: "fold-test-other" });
  work = bus.nc.subscribe(SUBJECTS.workAll, { callback: (err, m) => { if (!err) workSeen.push(m.json()); } });
});
afterAll(async () => {
  work?.unsubscribe();
  await other?.close();
  await bus?.close();
});

async function newRun(): Promise<string> {
  const id = `r${randomId().slice(0, 24)}`;
  await bus.runs.create(id, initialState(id, "a counter", options(), new Date().toISOString()));
  return id;
}

async function stored(id: string): Promise<{ state: RunState; revision: number; size: number }> {
  const entry = await bus.runs.get(id);
  if (!entry) throw new Error(`run ${id} has no state`);
  return { state: RunState.parse(entry.value), revision: entry.revision, size: entry.size };
}

const requested = (id: string) => ev(id, "run.requested", { prompt: "a counter", options: options() });
const specProduced = (id: string) => ev(id, "spec.produced", { spec: SPEC, version: 1 });
const proposed = (id: string) => ev(id, "contract.proposed", { contract: contractFor(1), round: 1 }, 1);
const usage = (id: string, costUsd = 0.25) =>
  ev(id, "usage.recorded", { callId: randomId(), role: "planner", model: "m", usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd });
const workOf = (id: string) => () => workSeen.filter((w) => w.runId === id).map((w) => w.type);

describe("supervisor fold - per-replica run cache", () => {
  it("a fold with a warm cache reads nothing from KV: it compare-and-sets from the state and revision it wrote last", async () => {
    const id = await newRun();
    const c = counted(bus);
    const cache = new RunCache();
    const fold = (e: EventMessage) => foldEvent({ bus: c.bus, logger, cache }, e);

    // Cold: one read, then the state written (with its outbox) and the outbox cleared.
    expect(await fold(requested(id))).toBe(true);
    expect(c.gets).toBe(1);
    expect(cache.get(id)).toEqual(await stored(id));

    c.gets = 0;
    c.updates = 0;
    expect(await fold(specProduced(id))).toBe(true);
    expect(await fold(about(cache.get(id)!.state, usage(id)))).toBe(true);
    expect(await fold(proposed(id))).toBe(true);
    expect(c.gets).toBe(0);
    expect(c.conflicts).toBe(0);
    // Two writes for each step with work (state + outbox, then the cleared outbox), one without.
    expect(c.updates).toBe(2 + 1 + 2);

    // What the cache holds is exactly what KV holds, revision included.
    const kv = await stored(id);
    expect(cache.get(id)).toEqual(kv);
    expect(kv.state).toMatchObject({ status: "running", waitingFor: "review", eventCount: 4, pending: [] });
    expect(kv.state.usage.calls).toBe(1);
    await waitFor(() => workOf(id)().length === 3, { what: "the three work items" });
    expect(workOf(id)()).toEqual(["plan.requested", "contract.requested", "review.requested"]);
    // The ledger still follows status and spend (written after the fold, not waited for).
    const ledger = await waitFor(async () => {
      const l = (await bus.runs.get(ledgerKey(id)))?.value as RunLedger | undefined;
      return l?.usage.calls === 1 ? l : undefined;
    }, { what: "the ledger" });
    expect(ledger).toMatchObject({ status: "running", usage: { calls: 1, costUsd: 0.25 } });
  });

  it("a write made behind the cache's back is not lost: the next fold conflicts, re-reads KV and applies on top of it", async () => {
    const id = await newRun();
    const c = counted(bus);
    const cache = new RunCache();
    const fold = (e: EventMessage) => foldEvent({ bus: c.bus, logger, cache }, e);
    await fold(requested(id));
    const cachedRevision = cache.get(id)!.revision;

    // Another writer (an API replica raising the budget) changes the state: the cache does not know.
    const before = await stored(id);
    const raised = { ...before.state, options: { ...before.state.options, budget: { ...before.state.options.budget, maxCostUsd: 1234 } } };
    await other.runs.update(id, raised, before.revision);

    c.gets = 0;
    const spec = specProduced(id);
    expect(await fold(spec)).toBe(true);
    // One compare-and-set lost on the cached revision, one read, then the write that won.
    expect(c.conflicts).toBe(1);
    expect(c.gets).toBe(1);

    const kv = await stored(id);
    expect(kv.revision).toBeGreaterThan(cachedRevision);
    expect(kv.state.options.budget.maxCostUsd).toBe(1234);
    expect(kv.state.applied).toContain(spec.id);
    expect(kv.state).toMatchObject({ status: "running", waitingFor: "contract", specVersion: 1 });
    expect(cache.get(id)).toEqual(kv);
  });

  it("an event another replica folded is not applied again when this replica's cache is stale", async () => {
    const id = await newRun();
    const mine = new RunCache();
    const theirs = new RunCache();
    await foldEvent({ bus, logger, cache: mine }, requested(id));

    // The other replica gets the next event (its first sight of the run), then the same one is
    // redelivered here, where the cache still holds the state from before it.
    const spec = specProduced(id);
    expect(await foldEvent({ bus: other, logger, cache: theirs }, spec)).toBe(true);
    expect(mine.get(id)!.state.applied).not.toContain(spec.id);
    expect(await foldEvent({ bus, logger, cache: mine }, spec)).toBe(false);

    const kv = await stored(id);
    expect(kv.state.applied.filter((x) => x === spec.id)).toHaveLength(1);
    expect(kv.state.specVersion).toBe(1);
    expect(kv.state.eventCount).toBe(2);
    // Both replicas' folds interleave from here on, each event applied once.
    const plan = mine.get(id)!.state;
    const events = [proposed(id), about(plan, usage(id)), about(plan, usage(id)), about(plan, usage(id))];
    await Promise.all(events.flatMap((e) => [foldEvent({ bus, logger, cache: mine }, e), foldEvent({ bus: other, logger, cache: theirs }, e)]));
    const after = await stored(id);
    expect(after.state.eventCount).toBe(6);
    expect(new Set(after.state.applied).size).toBe(after.state.applied.length);
    expect(after.state.usage.calls).toBe(3);
  });

  it("the same event delivered twice is applied once with a warm cache", async () => {
    const id = await newRun();
    const c = counted(bus);
    const cache = new RunCache();
    const fold = (e: EventMessage) => foldEvent({ bus: c.bus, logger, cache }, e);
    await fold(requested(id));
    const u = about(cache.get(id)!.state, usage(id, 0.5));
    expect(await fold(u)).toBe(true);
    const once = await stored(id);

    c.updates = 0;
    expect(await fold(u)).toBe(false);
    expect(await fold(u)).toBe(false);
    // Nothing written: the state, its revision and the spend are as after the first delivery.
    expect(c.updates).toBe(0);
    expect(await stored(id)).toEqual(once);
    expect(once.state.usage).toMatchObject({ calls: 1, costUsd: 0.5 });
    expect(once.state.applied.filter((x) => x === u.id)).toHaveLength(1);
  });

  it("a duplicate seen through a warm cache still finishes an outbox a crashed fold left in KV", async () => {
    const id = await newRun();
    const cache = new RunCache();
    const first = requested(id);
    await foldEvent({ bus, logger, cache }, first);

    // Another replica wrote its next state with the outbox, then died before publishing it.
    const before = await stored(id);
    const decided = reduce(before.state, specProduced(id), new Date().toISOString());
    await other.runs.update(id, { ...decided.state, pending: decided.outbox }, before.revision);
    expect(workOf(id)()).not.toContain("contract.requested");

    // Our cache is stale and says nothing is pending; a redelivered event makes the fold look.
    expect(await foldEvent({ bus, logger, cache }, first)).toBe(false);
    await waitFor(() => workOf(id)().includes("contract.requested"), { what: "the crashed fold's work to be published" });
    const kv = await stored(id);
    expect(kv.state.pending).toEqual([]);
    expect(kv.state).toMatchObject({ status: "running", waitingFor: "contract" });
  });

  it("a cached state holding an outbox is not trusted: the fold reads KV, so an outbox finished elsewhere is not sent again", async () => {
    const id = await newRun();
    const cache = new RunCache();
    await foldEvent({ bus, logger, cache }, requested(id));
    const before = await stored(id);
    const decided = reduce(before.state, specProduced(id), new Date().toISOString());
    const withOutbox = { ...decided.state, pending: decided.outbox };
    // As after this replica wrote an outbox and its publish failed...
    cache.set(id, withOutbox, await bus.runs.update(id, withOutbox, before.revision), 1_000);
    // ...and another replica (its watchdog) published it and cleared it.
    await foldStep(other, id, () => null);
    await waitFor(() => workOf(id)().includes("contract.requested"), { what: "the outbox to be published" });

    expect(await foldEvent({ bus, logger, cache }, proposed(id))).toBe(true);
    await waitFor(() => workOf(id)().includes("review.requested"), { what: "the review work" });
    expect(workOf(id)()).toEqual(["plan.requested", "contract.requested", "review.requested"]);
    expect((await stored(id)).state).toMatchObject({ waitingFor: "review", pending: [] });
  });

  it("a step that decides nothing from the cached state is confirmed against KV", async () => {
    const id = await newRun();
    const c = counted(bus);
    const cache = new RunCache();
    await foldEvent({ bus: c.bus, logger, cache }, requested(id));
    c.gets = 0;
    c.updates = 0;
    expect(await foldStep(c.bus, id, () => null, cache)).toBeNull();
    expect(c.gets).toBe(1);
    expect(c.updates).toBe(0);
  });

  it("finished runs leave the cache, and it never holds more stored JSON than its bound", async () => {
    // Room for three states of this shape (the ids have the same length, so the same size).
    const probe = await newRun();
    await foldEvent({ bus, logger }, requested(probe));
    const one = (await bus.runs.get(probe))!.size;
    const cache = new RunCache(Math.floor(one * 3.5));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await newRun();
      ids.push(id);
      await foldEvent({ bus, logger, cache }, requested(id));
      expect(cache.size).toBeLessThanOrEqual(3);
      expect(cache.heldBytes).toBeLessThanOrEqual(cache.maxBytes);
    }
    // Least recently folded first out.
    expect(ids.map((id) => cache.has(id))).toEqual([false, false, true, true, true]);
    const last = ids[4]!;
    await foldEvent({ bus, logger, cache }, ev(last, "run.control", { action: "cancel" }));
    expect((await stored(last)).state.status).toBe("cancelled");
    expect(cache.has(last)).toBe(false);
    expect(cache.size).toBe(2);
    // An evicted run folds as without a cache.
    await foldEvent({ bus, logger, cache }, specProduced(ids[0]!));
    expect((await stored(ids[0]!)).state.specVersion).toBe(1);
  });
});

describe("supervisor run cache - bounds", () => {
  const state = (id: string, status: RunState["status"] = "running"): RunState => ({ ...initialState(id, "p", options(), "2026-01-01T00:00:00.000Z"), status });

  it("evicts the least recently used run past its byte budget; reading a run makes it recent", () => {
    const cache = new RunCache(250);
    cache.set("a", state("a"), 1, 100);
    cache.set("b", state("b"), 2, 100);
    cache.get("a");
    cache.set("c", state("c"), 3, 100);
    expect([cache.has("a"), cache.has("b"), cache.has("c")]).toEqual([true, false, true]);
    expect(cache.heldBytes).toBe(200);
    for (let i = 0; i < 1_000; i++) cache.set(`r${i}`, state(`r${i}`), 10 + i, 100);
    expect(cache.size).toBe(2);
    expect(cache.heldBytes).toBe(200);
  });

  it("counts a run once however often it is rewritten, and keeps none larger than the whole budget", () => {
    const cache = new RunCache(1_000);
    cache.set("a", state("a"), 1, 300);
    cache.set("a", state("a"), 2, 400);
    expect(cache.heldBytes).toBe(400);
    cache.set("big", state("big"), 1, 1_001);
    expect(cache.has("big")).toBe(false);
    expect(cache.has("a")).toBe(true);
    cache.delete("a");
    expect(cache.heldBytes).toBe(0);
  });

  it("keeps no finished run, and never goes back to an older revision of one it holds", () => {
    const cache = new RunCache();
    for (const status of ["completed", "failed", "cancelled"] as const) {
      cache.set("x", state("x"), 5, 10);
      cache.set("x", state("x", status), 6, 10);
      expect(cache.has("x")).toBe(false);
    }
    expect(cache.heldBytes).toBe(0);
    cache.set("y", state("y", "paused"), 9, 10);
    cache.set("y", state("y", "running"), 8, 10);
    expect(cache.get("y")).toMatchObject({ revision: 9, state: { status: "paused" } });
  });

  it("refuses a budget that is not a whole number of bytes; zero keeps nothing", () => {
    expect(() => new RunCache(-1)).toThrow(RangeError);
    expect(() => new RunCache(1.5)).toThrow(RangeError);
    const none = new RunCache(0);
    none.set("a", state("a"), 1, 10);
    expect(none.size).toBe(0);
  });
});
