import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryableError, connectBus, type Bus } from "@harness/bus";
import { ContractReviewed, EvaluationRequested, ReviewRequested, WorkFailed } from "@harness/contracts";
import { createModelClient } from "@harness/model";
import type { WorkContext } from "@harness/runtime";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { snapshot } from "@harness/workspace";
import { createHandlers } from "./handlers.js";

const base = { schemaVersion: 1, runId: "r1", causationId: null, producer: { role: "supervisor", instance: "t" }, time: new Date().toISOString() };
const spec = { title: "Notes", overview: "a notes app", features: [{ id: "F1", title: "Add notes", userStory: "As a user I add notes", acceptanceCriteria: ["a note is listed"] }] };
const contract = {
  sprint: 2, summary: "notes", app: { startCommand: "node server.js", port: 3000 },
  deliverables: [{ id: "D1", description: "POST /api/notes", featureIds: ["F1"] }],
  checks: [{
    id: "create", kind: "http", description: "creates", method: "POST", path: "/api/notes", body: { text: "x" }, expectStatus: 201, json: [{ path: "$.id", exists: true }],
    then: [{ method: "GET", path: "/api/notes", expectStatus: 200, expectBodyContains: ["x"] }], deliverableIds: ["D1"], criterionIds: ["F1.1"],
  }],
};
const accepted = [{ sprint: 1, checks: [{ id: "list", kind: "http", description: "lists", path: "/api/notes", expectStatus: 200, deliverableIds: ["D0"] }] }];

/** A work context as the runtime builds it, recording what the handler emits. */
function workOf<M extends ReviewRequested | EvaluationRequested>(msg: M, delivery: { deliveryCount: number; maxDeliver: number }) {
  const emitted: Array<{ type: string; payload: unknown }> = [];
  const logged: string[] = [];
  const log = (_o: unknown, m?: string) => { if (m) logged.push(m); };
  const w = {
    msg, ctx: { working() {}, ...delivery } as unknown as WorkContext<ReviewRequested>["ctx"],
    logger: { info: log, warn: log, error: log, debug() {} }, budget: { reserve() {} }, models: {}, recordUsage: async () => {},
    emit: async (_s: unknown, type: string, payload: unknown) => { emitted.push({ type, payload }); },
  } as unknown as WorkContext<M>;
  return { w, emitted, logged };
}

describe("evaluator handlers - retirements at review, interruptions on the last delivery", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let model: ScriptedModel;
  let root: string;
  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "evaluator-handlers-delivery-test" });
    await bus.provision();
    // A lenient reviewer: it approves whatever it is shown.
    model = await startScriptedModel({ script: [{ match: { role: "evaluator" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "fine" } }] } }] });
    root = await mkdtemp(join(tmpdir(), "handlers-delivery-"));
  });
  afterAll(async () => {
    await bus?.close();
    await model?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const handlers = (stopping?: AbortSignal) => createHandlers({
    bus, model: createModelClient({ baseURL: model.url, apiKey: "test", maxRetries: 0 }), name: "core", workdir: join(root, "work"),
    chromium: "/usr/bin/chromium", judgeSystem: "", reviewSystem: "review", ...(stopping ? { stopping } : {}),
  });

  it("sends back a contract whose retirement is not allowed, with the reason, though the model approves it", async () => {
    const review = async (retire: unknown[]) => {
      const msg = ReviewRequested.parse({ ...base, id: `w-${retire.length}`, type: "review.requested", sprint: 2, attempt: 0, payload: { specExcerpt: spec, contract: { ...contract, retire }, round: 1, maxRounds: 3, accepted } });
      const { w, emitted } = workOf(msg, { deliveryCount: 1, maxDeliver: 5 });
      await handlers().review(w);
      expect(emitted.map((e) => e.type)).toEqual(["contract.reviewed"]);
      return ContractReviewed.shape.payload.parse(emitted[0]!.payload).review;
    };
    const unknown = await review([{ sprint: 1, checkId: "gone", reason: "the list moved to /api/v2/notes this sprint" }]);
    expect(unknown.approved).toBe(false);
    expect(unknown.changeRequests).toContainEqual({ target: "rules", request: "retirement of sprint 1's check gone: sprint 1 has no accepted check gone (its accepted checks: list); name one of them or remove it" });
    const unexplained = await review([{ sprint: 1, checkId: "list", reason: "no" }]);
    expect(unexplained.approved).toBe(false);
    expect(unexplained.changeRequests.map((c) => c.request)).toContain("retirement of sprint 1's check list: say why the check no longer holds (which change of this sprint makes it wrong)");
    const allowed = await review([{ sprint: 1, checkId: "list", reason: "the list moved to /api/v2/notes this sprint" }]);
    expect(allowed.approved).toBe(true);
  });

  async function interrupted(delivery: { deliveryCount: number; maxDeliver: number }) {
    const src = join(root, `src-${delivery.deliveryCount}`);
    await mkdir(src, { recursive: true });
    await writeFile(join(src, "index.js"), "console.log('ok')\n");
    const artifact = await bus.artifacts.put((await snapshot(src)).bytes);
    const msg = EvaluationRequested.parse({
      ...base, id: `e-${delivery.deliveryCount}`, type: "evaluation.requested", sprint: 1, attempt: 1,
      payload: { specExcerpt: spec, artifact, contract: { sprint: 1, summary: "s", deliverables: [{ id: "D1", description: "d" }], checks: [{ id: "run", kind: "command", description: "runs", command: "node index.js", deliverableIds: ["D1"] }] } },
    });
    // The evaluator is already stopping: the evaluation is cut short, every time.
    const stop = new AbortController();
    stop.abort(new Error("stopping"));
    const { w, emitted, logged } = workOf(msg, delivery);
    const outcome = await handlers(stop.signal).evaluate(w).then(() => undefined, (err: unknown) => err);
    return { outcome, emitted, logged };
  }

  it("releases an interrupted evaluation for redelivery while deliveries are left, publishing nothing", async () => {
    const { outcome, emitted, logged } = await interrupted({ deliveryCount: 1, maxDeliver: 5 });
    expect(outcome).toBeInstanceOf(RetryableError);
    expect(emitted).toEqual([]);
    expect(logged).toContain("evaluation interrupted; released for redelivery");
  });

  it("on the last delivery reports work.failed coded as an interruption, with no verdict, so the supervisor pauses the run instead of failing it", async () => {
    const { outcome, emitted } = await interrupted({ deliveryCount: 5, maxDeliver: 5 });
    expect(outcome).toBeUndefined();
    expect(emitted.map((e) => e.type)).toEqual(["work.failed"]);
    const failed = WorkFailed.shape.payload.parse(emitted[0]!.payload);
    expect(failed).toMatchObject({ role: "evaluator", work: "evaluation.requested", evaluator: "core", code: "EVAL_ERR_INTERRUPTED" });
    expect(failed.reason).toMatch(/^the evaluator was interrupted on every delivery \(5 of 5\), so it reached no verdict on the product; last: evaluation interrupted: /);
  });
});
