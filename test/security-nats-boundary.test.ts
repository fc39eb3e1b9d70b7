import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { EventMessage, RunState, STREAMS, eventSubject } from "@harness/contracts";
import { startScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { ev, verdict } from "../services/supervisor/src/test-fixtures.js";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

// The local stack as the test kit runs it: NATS with the per-role users, every service on its
// own user. A run is held where the generator has nothing left to do and the core evaluator's
// review of sprint 1's contract decides what happens next (no evaluator runs yet); then a stranger and the generator's
// credentials try everything the issue lists. Each attempt is refused by NATS or ignored by
// the supervisor, and once the real evaluator starts, the run completes as it would have.
const refused = /Permissions Violation|timeout/i;

let model: Awaited<ReturnType<typeof startScriptedModel>>;
let stack: Stack;
let admin: Bus;
let runId = "";

const state = async () => RunState.parse((await admin.runs.get(runId))?.value);

beforeAll(async () => {
  model = await startScriptedModel({ script: tinyProgramScript() });
  stack = await startStack({ modelUrl: model.url, roles: ["planner", "generator"] });
  admin = await connectBus({ ...stack.nats.as(), name: "boundary-observer" });
  const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply", options: { maxAttemptsPerSprint: 3 } });
  runId = created.body.id;
  await waitFor(async () => (await state()).waitingFor === "review", { timeoutMs: 180_000, intervalMs: 250, what: "sprint 1 waiting for its contract review" });
}, 240_000);

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
  await model?.close();
});

describe("the NATS boundary on the local stack", () => {
  it("refuses an anonymous client before it can try anything", async () => {
    await expect(connect({ servers: stack.nats.url, reconnect: false })).rejects.toBeInstanceOf(errors.AuthorizationError);
  });

  it("refuses or ignores everything the generator's credentials try, and the run completes as it would have", async () => {
    const before = await state();
    const gen = await connectBus({ ...stack.nats.as("generator"), name: "forger" });
    const nc: NatsConnection = gen.nc;
    try {
      // Evaluator work: neither subscribed to nor pulled from the evaluator's durable.
      expect(await nc.subscribe("harness.work.evaluate.core").closed).toBeInstanceOf(errors.PermissionViolationError);
      expect(await nc.subscribe("harness.work.review").closed).toBeInstanceOf(errors.PermissionViolationError);
      await expect(jetstream(nc).consumers.get(STREAMS.work, "evaluator-review")).rejects.toThrow(refused);
      // A passing core verdict: refused on the evaluator's subject, dead-lettered on its own.
      const forged = ev(runId, "verdict.produced", { verdict: verdict(true) }, 1, 1);
      await expect(jetstream(nc).publish(eventSubject(runId, "verdict.produced", { role: "evaluator", evaluator: "core" }), JSON.stringify(forged))).rejects.toThrow(refused);
      await jetstream(nc).publish(eventSubject(runId, "build.produced", { role: "generator" }), JSON.stringify(forged));
      // The artifacts: no purge, whole or filtered.
      const jsm = await jetstreamManager(nc);
      await expect(jsm.streams.purge("OBJ_harness-artifacts")).rejects.toThrow(refused);
      await expect(jsm.streams.purge("OBJ_harness-artifacts", { filter: "$O.harness-artifacts.C.>" })).rejects.toThrow(refused);
      // budget.exceeded and work.failed as another role: refused by NATS.
      const asEvaluator = ev(runId, "work.failed", { role: "evaluator", work: "evaluation.requested", evaluator: "core", reason: "forged" }, 1, 1);
      await expect(gen.publish(EventMessage, asEvaluator)).rejects.toThrow(refused);
      const refusalAsEvaluator = ev(runId, "budget.exceeded", { kind: "cost", limit: 50, used: 50, detail: "forged", evaluator: "core" }, 1, 1);
      await expect(gen.publish(EventMessage, refusalAsEvaluator)).rejects.toThrow(refused);
      // ...and as itself: stored (its user may send both); both are about work the run never
      // gave out (made-up causation), so both are ignored; work it was given is test/security-worker-reports.
      const ownRefusal = ev(runId, "budget.exceeded", { kind: "cost", limit: 50, used: 50, detail: "forged" }, 1, 1);
      const ownFailure = ev(runId, "work.failed", { role: "generator", work: "review.requested", reason: "forged" }, 1);
      await gen.publish(EventMessage, ownRefusal);
      await gen.publish(EventMessage, ownFailure);
      await waitFor(() => /event ignored: generator sent work\.failed about work this run never gave out/.test(stack.logs()), { timeoutMs: 30_000, what: "the supervisor ignoring the failure" });
      await waitFor(() => /event ignored: generator sent budget\.exceeded about work this run never gave out/.test(stack.logs()), { timeoutMs: 30_000, what: "the supervisor ignoring the refusal" });
      await waitFor(async () => (await admin.dlq.list()).some((l) => l.consumer === "supervisor" && l.originalSubject.endsWith(".build.produced.generator")), { what: "the forged verdict's dead letter" });
    } finally {
      await gen.close();
    }
    const after = await state();
    expect([after.status, after.waitingFor, after.currentSprint, after.sprints[0]?.attempts.length]).toEqual([before.status, "review", 1, 0]);

    await stack.start("evaluator");
    const run = await waitFor(async () => {
      const { body } = await api<{ status: string; reason: string }>(stack, "GET", `/runs/${runId}`);
      return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
    }, { timeoutMs: 240_000, intervalMs: 250, what: "the run to finish" });
    expect(run.status, `${run.reason}\n${stack.logs()}`).toBe("completed");
  }, 300_000);
});
