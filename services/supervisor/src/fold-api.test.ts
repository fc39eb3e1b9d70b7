import { connectBus, type Bus } from "@harness/bus";
import { EventMessage, RunState } from "@harness/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The test kit is not a dependency of the service (tests only); it is reached by path.
import { useNatsServer, waitFor } from "../../../packages/testkit/src/index.js";
import { ev, SPEC, startTestSupervisor, TEST_TOKEN, type TestSupervisor } from "./test-fixtures.js";

const nats = useNatsServer();
let sup: TestSupervisor;
/** Another process writing run state: the cache of `sup` does not see these writes. */
let other: Bus;

beforeAll(async () => {
  sup = await startTestSupervisor(nats.as(), { name: "fold-api-test" });
  other = await connectBus({ ...nats.as(), name: "fold-api-test-other" });
});
afterAll(async () => {
  await other?.close();
  await sup?.close();
});

const post = (url: string, body: unknown = {}) =>
  sup.app.inject({ method: "POST", url, headers: { authorization: `Bearer ${TEST_TOKEN}` }, payload: body as object });

async function stored(id: string): Promise<{ state: RunState; revision: number }> {
  const entry = await sup.bus.runs.get(id);
  if (!entry) throw new Error(`run ${id} has no state`);
  return { state: RunState.parse(entry.value), revision: entry.revision };
}

/** Waits until every event of the run in the stream is folded (transitions are folded after the state that made them). */
const settled = (id: string) => waitFor(async () => {
  // State first: with its outbox cleared, whatever it published is already in the stream.
  const kv = await stored(id);
  const events = (await sup.bus.readRunEvents(id)).map((e) => EventMessage.parse(e.message));
  return kv.state.pending.length === 0 && kv.state.eventCount === events.length ? { ...kv, events } : undefined;
}, { what: `every event of run ${id} folded` });

const waitState = (id: string, what: string, ok: (s: RunState) => boolean) =>
  waitFor(async () => { const { state } = await stored(id); return ok(state) ? state : undefined; }, { what: `run ${id}: ${what}` });

describe("supervisor fold - run cache with the API steering runs", () => {
  it("pause, resume and cancel through the API fold once each around a state write the cache did not see", async () => {
    const created = await post("/runs", { prompt: "a tally counter", options: { maxSprints: 2 } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    await waitState(id, "planning", (s) => s.status === "planning");
    // The fold that moved it remembers the run.
    await waitFor(() => sup.cache.has(id), { what: "the run in the cache" });

    expect((await post(`/runs/${id}/pause`)).statusCode).toBe(202);
    await waitState(id, "paused", (s) => s.status === "paused");

    // A write behind the cache's back (another API replica raising the budget) bumps the revision.
    const before = await settled(id);
    await other.runs.update(id, { ...before.state, options: { ...before.state.options, budget: { ...before.state.options.budget, maxCostUsd: 99 } } }, before.revision);
    expect(sup.cache.get(id)?.revision).toBe(before.revision);

    // The next fold loses its compare-and-set on the cached revision, reads KV and builds on it.
    expect((await post(`/runs/${id}/resume`)).statusCode).toBe(202);
    const resumed = await waitState(id, "planning again", (s) => s.status === "planning");
    expect(resumed.options.budget.maxCostUsd).toBe(99);
    expect(resumed.resumes).toBe(1);

    // The planner answers; the run starts its first sprint from the merged state.
    await sup.bus.publish(EventMessage, ev(id, "spec.produced", { spec: SPEC, version: 1 }));
    await waitState(id, "running sprint 1", (s) => s.status === "running" && s.currentSprint === 1);

    expect((await post(`/runs/${id}/cancel`)).statusCode).toBe(202);
    const cancelled = await waitState(id, "cancelled", (s) => s.status === "cancelled");
    expect(cancelled.options.budget.maxCostUsd).toBe(99);
    // Every event of the run folded exactly once (the last transitions are folded after "cancelled" is written).
    const end = await settled(id);
    expect([...end.state.applied, ...end.state.sprints.flatMap((sp) => sp.applied)].sort()).toEqual(end.events.map((e) => e.id).sort());
    expect(end.events.filter((e) => e.type === "run.transition").map((e) => (e.payload as { to: string }).to))
      .toEqual(["planning", "paused", "planning", "running", "cancelled"]);
    // A finished run is not kept.
    expect(sup.cache.has(id)).toBe(false);
  });
});
