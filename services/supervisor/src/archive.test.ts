import { EventMessage, RunState, sprintKey, SprintState } from "@harness/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The test kit is not a dependency of the service (tests only); it is reached by path.
import { useNatsServer, waitFor } from "../../../packages/testkit/src/index.js";
import { createLogger } from "@harness/logger";
import { appliedIds, archiveSprints, markFinished } from "./archive.js";
import { foldEvent } from "./fold.js";
import { initialState, reduce } from "./reducer.js";
import { about, ART, contractFor, deepFrozen, ev, finalPass, options, SPEC, startTestSupervisor, TEST_TOKEN, verdict, type TestSupervisor } from "./test-fixtures.js";

const NOW = "2026-01-01T00:00:00.000Z";
const approved = { review: { approved: true, changeRequests: [], comments: "fine" }, round: 1, evaluator: "core" };

/** The events that take sprint n from its contract to a pass. */
function sprintEvents(r: string, n: number, artifact = { ...ART, name: `sha256-${String(n).repeat(64)}`, digest: String(n).repeat(64) }): EventMessage[] {
  return [
    ev(r, "contract.proposed", { contract: contractFor(n), round: 1 }, n),
    ev(r, "contract.reviewed", approved, n),
    ev(r, "build.produced", { artifact, files: ["a.js"], notes: `notes ${n}` }, n, 1),
    ev(r, "verdict.produced", { verdict: verdict(true, "core", Array.from({ length: n - 1 }, (_, i) => i + 1)) }, n, 1),
  ];
}

function fold(s: RunState, events: EventMessage[]): RunState {
  for (const e of events) s = archiveSprints(markFinished(reduce(deepFrozen(s), e, NOW).state)).state;
  return s;
}

describe("supervisor - finished sprints leave the run state", () => {
  it("stubs a passed sprint once the run has moved past it, and keeps the sprint in progress whole", () => {
    const r = "run1";
    let s = fold(initialState(r, "a counter", options(), NOW), [ev(r, "run.requested", { prompt: "a counter", options: options() }), ev(r, "spec.produced", { spec: SPEC, version: 1 })]);
    s = fold(s, sprintEvents(r, 1).slice(0, 3));
    // Sprint 1 built, not yet judged: nothing to archive.
    expect(archiveSprints(markFinished(s)).records).toEqual([]);

    const passed = reduce(deepFrozen(s), sprintEvents(r, 1)[3]!, NOW).state;
    expect(passed.currentSprint).toBe(2);
    const marked = markFinished(deepFrozen(passed));
    expect(marked.sprints.map((x) => x.archiving)).toEqual([true, undefined]);
    const { state, records } = archiveSprints(deepFrozen(marked));
    expect(records.map((x) => x.number)).toEqual([1]);
    expect(records[0]?.contract?.summary).toBe("sprint 1");
    expect(records[0]?.attempts[0]?.verdicts["core"]?.passed).toBe(true);
    expect(state.sprints[0]).toEqual({ number: 1, status: "passed", contractRound: 1, reviews: [], attempts: [], applied: [], archived: true });
    // The sprint's event ids leave with its record.
    expect(records[0]?.applied).toHaveLength(4);
    expect(state.sprints[1]).toEqual(passed.sprints[1]);
    // A stub is stored state like any other.
    expect(RunState.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
    // The record is the sprint as it was, without the mark.
    expect(records[0]).toEqual(passed.sprints[0]);
    // Archived once: the next fold finds nothing more to move.
    expect(markFinished(state)).toBe(state);
    expect(archiveSprints(state).records).toEqual([]);
  });

  it("archives every sprint of a completed run, and leaves a failed sprint in the state", () => {
    const r = "run2";
    let s = fold(initialState(r, "a counter", options(), NOW), [ev(r, "run.requested", { prompt: "a counter", options: options() }), ev(r, "spec.produced", { spec: SPEC, version: 1 })]);
    s = fold(s, [...sprintEvents(r, 1), ...sprintEvents(r, 2), finalPass(r, 2)]);
    expect(s.status).toBe("completed");
    expect(s.sprints.map((x) => x.archived)).toEqual([true, true]);

    const failed: SprintState = { number: 1, status: "failed", contractRound: 3, reviews: [], attempts: [], applied: [] };
    const running = { ...initialState(r, "p", options(), NOW), status: "failed" as const, currentSprint: 1, sprints: [failed] };
    expect(markFinished(running)).toBe(running);
  });
});

const nats = useNatsServer();
let sup: TestSupervisor;
beforeAll(async () => { sup = await startTestSupervisor(nats.as(), { name: "archive-test" }); });
afterAll(async () => { await sup?.close(); });

describe("supervisor - archived sprints through the fold and the API", () => {
  it("keeps the stored state the size of the sprint in progress, while GET /runs/:id still shows every sprint in full", async () => {
    const created = await sup.app.inject({
      method: "POST", url: "/runs", headers: { authorization: `Bearer ${TEST_TOKEN}` }, payload: { prompt: "a tally counter", options: { maxSprints: 2 } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const stored = async () => RunState.parse((await sup.bus.runs.get(id))!.value);
    const sizeAt = async (what: string, ok: (s: RunState) => boolean) =>
      waitFor(async () => { const e = await sup.bus.runs.get(id); return e && ok(RunState.parse(e.value)) ? e.size : undefined; }, { what });

    await sizeAt("planning", (s) => s.status === "planning");
    await sup.bus.publish(EventMessage, ev(id, "spec.produced", { spec: SPEC, version: 1 }));
    const sprint1Tar = await sup.bus.artifacts.put(new TextEncoder().encode("sprint one's workspace"));
    const usage = (callId: string, s: RunState) => about(s, ev(id, "usage.recorded", {
      callId, role: "generator", model: "m", usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, costUsd: 0.01,
    }, 1, 1));
    const early = usage("early", await waitFor(async () => { const s = await stored(); return s.waitingFor === "contract" ? s : undefined; }, { what: "the contract work" }));
    await sup.bus.publish(EventMessage, early);
    for (const e of sprintEvents(id, 1, sprint1Tar)) await sup.bus.publish(EventMessage, e);
    const inSprint2 = await sizeAt("running sprint 2", (s) => s.currentSprint === 2 && s.pending.length === 0);

    const mid = await stored();
    expect(mid.sprints[0]).toMatchObject({ number: 1, status: "passed", archived: true, attempts: [] });
    expect(JSON.stringify(mid)).not.toContain("notes 1");
    const record = SprintState.parse((await sup.bus.runs.get(sprintKey(id, 1)))!.value);
    expect(record.attempts[0]?.build?.notes).toBe("notes 1");

    for (const e of [...sprintEvents(id, 2), finalPass(id, 2)]) await sup.bus.publish(EventMessage, e);
    const done = await sizeAt("completed", (s) => s.status === "completed" && s.pending.length === 0);
    // Two sprints behind it weigh no more than one: what a fold rewrites does not grow with the run.
    console.log("SIZES", inSprint2, done);
    expect(done).toBeLessThan(inSprint2 + 1_000);

    // The stored state keeps no id of the archived sprints' events; their records do.
    const end = await stored();
    expect(end.applied.some((x) => x === early.id)).toBe(false);
    expect(await appliedIds(sup.bus, end)).toContain(early.id);

    // A late copy of an archived sprint's usage event is turned away by its record's ids; a
    // first-time one is folded once, its id kept with the run's own.
    const deps = { bus: sup.bus, logger: createLogger("supervisor", { level: "silent" }) };
    expect(await foldEvent(deps, early)).toBe(false);
    // About sprint 1's work, which is in its record now.
    const late = usage("late", { ...end, sprints: [SprintState.parse((await sup.bus.runs.get(sprintKey(id, 1)))!.value)] });
    expect(await foldEvent(deps, late)).toBe(true);
    expect(await foldEvent(deps, late)).toBe(false);
    const after = await stored();
    expect(after.usage.calls).toBe(end.usage.calls + 1);
    expect(after.applied).toContain(late.id);

    const view = await sup.app.inject({ method: "GET", url: `/runs/${id}` });
    expect(view.statusCode).toBe(200);
    const sprints = view.json<{ sprints: SprintState[] }>().sprints;
    expect(sprints.map((x) => [x.number, x.contract?.summary, x.attempts[0]?.verdicts["core"]?.passed, x.archived])).toEqual([
      [1, "sprint 1", true, undefined], [2, "sprint 2", true, undefined],
    ]);
    // Fold bookkeeping stays out of the API's view.
    expect(sprints.some((x) => "applied" in x || "archived" in x)).toBe(false);
    // The artifact route still finds a build of an archived sprint among the run's artifacts.
    const art = await sup.app.inject({ method: "GET", url: `/runs/${id}/artifacts/${sprint1Tar.name}` });
    expect(art.statusCode, art.body).toBe(200);
    expect(art.body).toBe("sprint one's workspace");
  });
});
