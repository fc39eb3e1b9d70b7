import { RetryableError } from "@harness/bus";
import { BUCKETS, CONSUMERS, ledgerKey, RunState, sprintKey, SprintState, STREAMS, type EventMessage } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The test kit is not a dependency of the service (tests only); it is reached by path.
import { useNatsServer, waitFor } from "../../../packages/testkit/src/index.js";
import { markFinished } from "./archive.js";
import { foldEvent, type FoldDeps } from "./fold.js";
import { initialState, reduce } from "./reducer.js";
import { RunCache } from "./run-cache.js";
import { startWatchdog } from "./watchdog.js";
import { about, ART, contractFor, ev, finalPass, options, SPEC, startTestSupervisor, verdict, type TestSupervisor } from "./test-fixtures.js";

const nats = useNatsServer();
let sup: TestSupervisor;
beforeAll(async () => { sup = await startTestSupervisor(nats.as(), { name: "archive-faults-test" }); });
afterAll(async () => { await sup?.close(); });

const logger = createLogger("supervisor", { level: "silent" });
const approved = { review: { approved: true, changeRequests: [], comments: "fine" }, round: 1, evaluator: "core" };
let runs = 0;

/** A generator's usage event about its work in the sprint (the work is in the record once the sprint is archived). */
async function usage(runId: string, callId: string, sprint: number): Promise<EventMessage> {
  const u = { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
  const s = await state(runId);
  const archived = await record(runId, sprint);
  return about(archived ? { ...s, sprints: [archived] } : s, ev(runId, "usage.recorded", { callId, role: "generator", model: "m", usage: u, costUsd: 0.01 }, sprint, 1));
}

/** A run (two sprints) folded by `deps` straight into KV, up to sprint 1 waiting for its verdict. */
async function runAwaitingVerdict(deps: FoldDeps, maxSprints = 2): Promise<{ id: string; pass: EventMessage }> {
  const id = `faults${++runs}`;
  await sup.bus.runs.create(id, initialState(id, "a counter", options({ maxSprints }), new Date().toISOString()));
  for (const e of [
    ev(id, "run.requested", { prompt: "a counter", options: options({ maxSprints }) }),
    ev(id, "spec.produced", { spec: SPEC, version: 1 }),
    ev(id, "contract.proposed", { contract: contractFor(1), round: 1 }, 1),
    ev(id, "contract.reviewed", approved, 1),
    ev(id, "build.produced", { artifact: ART, files: ["a.js"], notes: "notes 1" }, 1, 1),
  ]) await foldEvent(deps, e);
  await quiet();
  return { id, pass: ev(id, "verdict.produced", { verdict: verdict(true) }, 1, 1) };
}

/**
 * Waits until the test supervisor's own consumer has folded the events these folds published
 * (their run.transition events), so a state written next is not finished behind the test's back.
 */
async function quiet(): Promise<void> {
  await waitFor(async () => {
    const info = await sup.bus.jsm.consumers.info(STREAMS.events, CONSUMERS.supervisor);
    return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
  }, { what: "the supervisor's consumer caught up" });
}

const state = async (id: string) => RunState.parse((await sup.bus.runs.get(id))!.value);
const record = async (id: string, n: number) => {
  const entry = await sup.bus.runs.get(sprintKey(id, n));
  return entry ? SprintState.parse(entry.value) : undefined;
};

describe("supervisor - archived sprint records under faults", () => {
  it("keeps the record of the fold that won: a replica deciding from a stale cache cannot overwrite it, and no event is applied twice", async () => {
    const stale = { bus: sup.bus, logger, cache: new RunCache() };
    const fresh = { bus: sup.bus, logger };
    const { id, pass } = await runAwaitingVerdict(stale);
    // The stale replica's cache now holds sprint 1 before its last usage event and its pass.
    const u = await usage(id, "last-call", 1);
    expect(await foldEvent(fresh, u)).toBe(true);
    expect(await foldEvent(fresh, pass)).toBe(true);
    expect((await record(id, 1))?.applied).toEqual(expect.arrayContaining([u.id, pass.id]));

    // A redelivery of the pass reaches the stale replica: it decides from its cache, loses the
    // compare-and-set, and finds the event applied.
    expect(await foldEvent(stale, pass)).toBe(false);
    expect((await record(id, 1))?.applied).toEqual(expect.arrayContaining([u.id, pass.id]));
    // So a duplicate of the usage event is still known, whichever replica gets it.
    expect(await foldEvent(stale, u)).toBe(false);
    expect(await foldEvent(fresh, u)).toBe(false);
    const end = await state(id);
    expect(end.usage.calls).toBe(1);
    expect(end.sprints[0]).toMatchObject({ number: 1, archived: true, attempts: [] });
  });

  it("finishes the archiving a fold left when it died after its write: the next fold stores the record and stubs the sprint", async () => {
    const deps = { bus: sup.bus, logger };
    const { id, pass } = await runAwaitingVerdict(deps);
    const entry = (await sup.bus.runs.get(id))!;
    const decided = reduce(RunState.parse(entry.value), pass, new Date().toISOString());
    // What the dead fold wrote: the sprint whole and marked, the outbox not yet published.
    await sup.bus.runs.update(id, { ...markFinished(decided.state), pending: decided.outbox }, entry.revision);
    expect(await record(id, 1)).toBeUndefined();

    expect(await foldEvent(deps, await usage(id, "sprint-2-call", 2))).toBe(true);
    const s = await state(id);
    expect(s.pending).toEqual([]);
    expect(s.sprints[0]).toEqual({ number: 1, status: "passed", contractRound: 1, reviews: [], attempts: [], applied: [], archived: true });
    const { archiving: _mark, ...whole } = markFinished(decided.state).sprints[0]!;
    expect(await record(id, 1)).toEqual(whole);
    // The pass itself is known through the record.
    expect(await foldEvent(deps, pass)).toBe(false);
  });

  it("turns a stub an older supervisor stripped of its marks back into a stub before deciding, so none of its events is applied twice", async () => {
    const deps = { bus: sup.bus, logger };
    const { id, pass } = await runAwaitingVerdict(deps);
    const inSprint = await usage(id, "in-sprint-1", 1);
    await foldEvent(deps, inSprint);
    await foldEvent(deps, pass);
    const before = await record(id, 1);
    expect(before?.applied).toContain(inSprint.id);
    await quiet();

    // An older supervisor's schema drops `archived`: the stub reads as a passed sprint, and the
    // late event that older supervisor folded keeps its id with the sprint.
    const olderLate = await usage(id, "older-late", 1);
    const entry = (await sup.bus.runs.get(id))!;
    const s = RunState.parse(entry.value);
    const stripped = { ...s, sprints: s.sprints.map((sp) => sp.number === 1 ? { number: 1, status: "passed", contractRound: 1, reviews: [], attempts: [], applied: [olderLate.id] } : sp) };
    await sup.bus.runs.update(id, stripped, entry.revision);

    // A redelivery of an event in the record, the older supervisor's late event, and a new late
    // event folded twice: each counts once.
    expect(await foldEvent(deps, inSprint)).toBe(false);
    expect(await foldEvent(deps, olderLate)).toBe(false);
    const newLate = await usage(id, "new-late", 1);
    expect(await foldEvent(deps, newLate)).toBe(true);
    expect(await foldEvent(deps, newLate)).toBe(false);
    const end = await state(id);
    expect(end.usage.calls).toBe(2);
    expect(end.sprints[0]).toMatchObject({ number: 1, archived: true });
    expect(await record(id, 1)).toEqual(before);
  });

  it("has the watchdog finish a finished run whose last fold died after its write, even when first seen within the grace", async () => {
    const deps = { bus: sup.bus, logger };
    const { id, pass } = await runAwaitingVerdict(deps, 1);
    const entry = (await sup.bus.runs.get(id))!;
    const decided = reduce(reduce(RunState.parse(entry.value), pass, new Date().toISOString()).state, finalPass(id, 1), new Date().toISOString());
    expect(decided.state.status).toBe("completed");
    await sup.bus.runs.update(id, { ...markFinished(decided.state), pending: decided.outbox }, entry.revision);

    let t = Date.now();
    const watchdog = startWatchdog({ bus: sup.bus, logger, intervalMs: 3_600_000, stallAfterMs: 60_000, now: () => t });
    try {
      await watchdog.sweep();
      t += 60_000;
      await watchdog.sweep();
      // The dead fold never wrote the ledger either; the next sweep finds the run finished and says so.
      await watchdog.sweep();
    } finally {
      await watchdog.stop();
    }
    const end = await state(id);
    expect(end.pending).toEqual([]);
    expect(end.sprints[0]).toMatchObject({ number: 1, archived: true });
    expect((await record(id, 1))?.attempts).toHaveLength(1);
    expect((await sup.bus.runs.get(ledgerKey(id)))?.value).toMatchObject({ status: "completed" });
  });

  it("holds back a late event of an archived sprint whose record is missing rather than risk applying it twice", async () => {
    const deps = { bus: sup.bus, logger };
    const id = `faults${++runs}`;
    const stub: SprintState = { number: 1, status: "passed", contractRound: 1, reviews: [], attempts: [], applied: [], archived: true };
    await sup.bus.runs.create(id, { ...initialState(id, "p", options({ maxSprints: 2 }), new Date().toISOString()), status: "running", currentSprint: 2, sprints: [stub] });

    // Whose work it was is in the missing record too: the event is held back before anything is checked.
    const u = { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
    const late = { ...ev(id, "usage.recorded", { callId: "late", role: "generator", model: "m", usage: u, costUsd: 0.01 }, 1, 1), causationId: "work-in-the-record" };
    await expect(foldEvent(deps, late)).rejects.toBeInstanceOf(RetryableError);
    expect((await state(id)).usage.calls).toBe(0);
  });

  it("shows an archived sprint whose record is unreadable as its stub, and the rest of the run in full", async () => {
    const deps = { bus: sup.bus, logger };
    const { id, pass } = await runAwaitingVerdict(deps);
    await foldEvent(deps, pass);
    // Not JSON at all: the read itself fails, not only the schema.
    await sup.bus.js.publish(`$KV.${BUCKETS.runs}.${sprintKey(id, 1)}`, "{not json");

    const view = await sup.app.inject({ method: "GET", url: `/runs/${id}` });
    expect(view.statusCode, view.body).toBe(200);
    const sprints = view.json<{ sprints: SprintState[] }>().sprints;
    expect(sprints.map((x) => [x.number, x.status, x.attempts.length])).toEqual([[1, "passed", 0], [2, "contracting", 0]]);
  });
});
