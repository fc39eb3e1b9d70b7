import { connectBus, type Bus } from "@harness/bus";
import { EventMessage, RunState, SUBJECTS } from "@harness/contracts";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appliedIds, archiveSprints, markFinished } from "../services/supervisor/src/archive.js";
import { initialState, reduce } from "../services/supervisor/src/reducer.js";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

const DUP = "Harness-Test-Duplicate";

/** How many times each envelope id is in the stream. */
function copies(messages: Array<{ id: string }>): number[] {
  const n = new Map<string, number>();
  for (const m of messages) n.set(m.id, (n.get(m.id) ?? 0) + 1);
  return [...n.values()];
}

describe("supervisor replicas - two processes fold one run's events", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let bus: Bus;
  let nc: NatsConnection;

  beforeAll(async () => {
    model = await startScriptedModel({ script: tinyProgramScript() });
    // Debug logs say which replica folded which event, and whether it was new.
    stack = await startStack({ modelUrl: model.url, env: { LOG_LEVEL: "debug" } });
    await stack.start("supervisor");
    bus = await connectBus({ ...stack.nats.as(), name: "replica-test" });
    // Every event is stored a second time, without its message id, so JetStream cannot drop the
    // copy: both replicas get copies of one run's events at once, as after a redelivery storm.
    nc = await connect({ ...stack.nats.as() });
    const js = jetstream(nc);
    const sub = nc.subscribe(SUBJECTS.eventsAll);
    void (async () => {
      for await (const m of sub) {
        if (m.headers?.get(DUP)) continue;
        const h = headers();
        h.set(DUP, "1");
        await js.publish(m.subject, m.data, { headers: h }).catch(() => undefined);
      }
    })();
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await bus?.close();
    await stack?.stop();
    await model?.close();
  });

  it("two runs at once end completed with the same state as a replay of their events, each event applied once", async () => {
    const ids = await Promise.all([1, 2].map(async () => (await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" })).body.id));
    for (const id of ids) {
      await waitFor(async () => (await api<{ status: string }>(stack, "GET", `/runs/${id}`)).body.status === "completed", { timeoutMs: 45_000, what: `run ${id} to complete` })
        .catch((err) => { throw new Error(`${err}\n${stack.logs().slice(-20_000)}`); });
    }

    const supervisors = stack.services.filter((s) => s.name === "supervisor");
    expect(supervisors).toHaveLength(2);
    for (const id of ids) {
      // "Completed" is written before the last events (the transition itself) are folded: wait
      // until the fold has caught up with the stream, then compare.
      const snapshot = async () => {
        const state = RunState.parse((await bus.runs.get(id))!.value);
        const messages = (await bus.readRunEvents(id, { limit: 10_000 })).map((e) => EventMessage.parse(e.message));
        const distinct = [...new Map(messages.map((m) => [m.id, m])).values()];
        return { state, applied: await appliedIds(bus, state), messages, distinct };
      };
      const settled = await waitFor(async () => {
        const snap = await snapshot();
        return snap.applied.length >= snap.distinct.length && copies(snap.messages).every((n) => n >= 2) ? snap : undefined;
      }, { what: `the fold of run ${id} to catch up with its events` })
        .catch(async (err) => { const snap = await snapshot(); throw new Error(`${err}: applied ${snap.applied.length}, distinct ${snap.distinct.length}, stored ${snap.messages.length}`); });
      const { state, applied, messages, distinct } = settled;
      // Every event was stored at least twice (a re-sent outbox can add a third copy)...
      expect(copies(messages).every((n) => n >= 2)).toBe(true);

      // ...and each was applied exactly once.
      expect(new Set(applied).size).toBe(applied.length);
      expect([...applied].sort()).toEqual(distinct.map((m) => m.id).sort());
      expect(state.eventCount).toBe(distinct.length);
      expect(state.usage.calls).toBe(distinct.filter((m) => m.type === "usage.recorded").length);

      // The state equals a plain replay of the distinct events through the reducer: the stored
      // state holds stubs of the finished sprints, and the API's view their full records.
      let replay = initialState(id, state.prompt, state.options, state.createdAt);
      for (const m of distinct) replay = reduce(replay, m, m.time).state;
      expect(state.status).toBe("completed");
      expect(replay.status).toBe(state.status);
      expect(archiveSprints(markFinished(replay)).state.sprints).toEqual(state.sprints);
      // (The view leaves out each sprint's applied ids, checked as a set above, and its work given out.)
      expect((await api<RunState>(stack, "GET", `/runs/${id}`)).body.sprints).toEqual(replay.sprints.map(({ applied: _ids, given: _work, ...sp }) => sp));
      expect(replay.spec).toEqual(state.spec);
      expect({ ...replay.usage, costUsd: 0 }).toEqual({ ...state.usage, costUsd: 0 });
      expect(replay.usage.costUsd).toBeCloseTo(state.usage.costUsd, 10);
      expect(replay.sprints.map((s) => [s.number, s.status, s.attempts.map((a) => a.status)])).toEqual([[1, "passed", ["passed"]], [2, "passed", ["failed", "passed"]]]);

      // Both processes folded this run's events, and duplicates were turned away.
      const foldLines = () => supervisors.map((s) => s.output().split("\n").filter((l) => l.includes(`"runId":"${id}"`) && /"msg":"event (folded|already applied)"/.test(l)));
      // Their logs arrive over pipes, a moment after the folds.
      await waitFor(() => foldLines().flat().filter((l) => l.includes("event folded")).length >= distinct.length, { what: "the fold logs" });
      const folds = foldLines();
      expect(folds.every((lines) => lines.length > 0)).toBe(true);
      expect(folds.flat().filter((l) => l.includes("event folded"))).toHaveLength(distinct.length);
      expect(folds.flat().some((l) => l.includes("event already applied"))).toBe(true);
    }
  });
});
