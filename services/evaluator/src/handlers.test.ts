import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContractReviewed, ReviewRequested } from "@harness/contracts";
import { createModelClient } from "@harness/model";
import type { WorkContext } from "@harness/runtime";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { createHandlers } from "./handlers.js";

const feature = (id: string, title: string) => ({ id, title, userStory: `As a user I ${title.toLowerCase()}`, acceptanceCriteria: [`${title} works`] });

/** A review of a notes contract whose only deliverable names F1, while the sprint plans F1 and F2. */
function reviewWork() {
  const emitted: Array<{ type: string; payload: ContractReviewed["payload"] }> = [];
  const msg = ReviewRequested.parse({
    id: "w1", schemaVersion: 1, type: "review.requested", runId: "r1", sprint: 1, attempt: 0, causationId: null,
    producer: { role: "supervisor", instance: "t" }, time: new Date().toISOString(),
    payload: {
      specExcerpt: { title: "Notes", overview: "a notes app", features: [feature("F1", "Add notes"), feature("F2", "Delete notes")] },
      contract: {
        sprint: 1, summary: "notes", app: { startCommand: "node server.js", port: 3000 },
        deliverables: [{ id: "D1", description: "POST /api/notes", featureIds: ["F1"] }],
        checks: [{
          id: "create", kind: "http", description: "creates", method: "POST", path: "/api/notes", body: { text: "x" }, expectStatus: 201, json: [{ path: "$.id", exists: true }],
          then: [{ method: "GET", path: "/api/notes", expectStatus: 200, expectBodyContains: ["x"] }], deliverableIds: ["D1"], criterionIds: ["F1.1"],
        }],
      },
      round: 1, maxRounds: 3,
    },
  });
  const w = {
    msg, ctx: { working() {} } as unknown as WorkContext<ReviewRequested>["ctx"],
    logger: { info() {}, warn() {}, debug() {} } as unknown as WorkContext<ReviewRequested>["logger"],
    budget: { reserve() {} }, models: {}, recordUsage: async () => {},
    emit: async (_s: unknown, type: string, p: unknown) => { emitted.push({ type, payload: p as ContractReviewed["payload"] }); },
  } as unknown as WorkContext<ReviewRequested>;
  return { w, emitted };
}

describe("evaluator contract review", () => {
  let model: ScriptedModel;
  beforeAll(async () => {
    // A lenient reviewer: it approves whatever it is shown.
    model = await startScriptedModel({ script: [{ match: { role: "evaluator" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "looks fine" } }] } }] });
  });
  afterAll(async () => { await model.close(); });

  it("refuses a contract that drops a planned feature even when the model approves, and names the feature", async () => {
    const evaluator = createHandlers({
      bus: {} as never, model: createModelClient({ baseURL: model.url, apiKey: "test", maxRetries: 0 }),
      name: "core", workdir: "/nonexistent", chromium: "/nonexistent", judgeSystem: "", reviewSystem: "review",
    });
    const { w, emitted } = reviewWork();
    await evaluator.review(w);

    expect(emitted.map((e) => e.type)).toEqual(["contract.reviewed"]);
    const { review } = ContractReviewed.shape.payload.parse(emitted[0]!.payload);
    expect(review.approved).toBe(false);
    expect(review.changeRequests).toEqual([
      { target: "rules", request: "feature F2 (\"Delete notes\"), planned for sprint 1, is covered by no deliverable; add a deliverable with \"featureIds\": [\"F2\"] and a check that exercises its acceptance criteria" },
      { target: "rules", request: "acceptance criterion F2.1 (\"Delete notes works\") is named by no check; add a behavioural check that exercises it, with \"criterionIds\": [\"F2.1\"]" },
    ]);
    // The model saw the rules' finding too, so its own judgement can build on it.
    expect(JSON.stringify(model.requests[0]!.body)).toContain("feature F2 (\\\"Delete notes\\\"), planned for sprint 1, is covered by no deliverable");
  });
});
