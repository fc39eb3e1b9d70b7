import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript, tinySpec } from "./support/tiny-program.js";

interface RunView { id: string; status: string; reason: string; specVersion: number; waitingFor: string; spec?: { title: string }; sprints: Array<{ number: number; status: string; attempts: Array<{ status: string }> }> }
interface EventsView { events: Array<{ message: { type: string; payload: { version?: number; spec?: { title: string } } } }> }

const COMMENTS = "Please add multiplication as its own sprint.";

describe("planner - reviewable specs and replanning, end to end", () => {
  let model: ScriptedModel;
  let stack: Stack;

  beforeAll(async () => {
    const base = tinyProgramScript();
    const baseRules = Array.isArray(base) ? base : base.rules;
    model = await startScriptedModel({
      script: [
        // Revision: the reviewer's comments reach the planner, which answers with version 2.
        { name: "plan-revised", match: { role: "planner", contains: COMMENTS }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec("Calc v2", 2) }] } },
        { name: "plan-gated", match: { role: "planner", contains: "reviewed spec" }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec("Calc v1", 1) }] } },
        // Replanning: after the first plan's sprint fails every attempt, a re-split plan that works.
        { name: "plan-resplit", match: { role: "planner", contains: "Replanning from sprint 1" }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec("Calc", 2) }] } },
        ...baseRules,
      ],
    });
    stack = await startStack({ modelUrl: model.url });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
  });

  const view = async (id: string) => (await api<RunView>(stack, "GET", `/runs/${id}`)).body;
  const finished = (id: string) => waitFor(async () => {
    const v = await view(id);
    return ["completed", "failed", "cancelled"].includes(v.status) ? v : undefined;
  }, { timeoutMs: 150_000, intervalMs: 250, what: `run ${id} to finish` });

  it("revises a gated spec with a person's comments into version 2, which the run then builds", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library (reviewed spec)", options: { gates: { approveSpec: true, approveContracts: false } } });
    const v1 = await waitFor(async () => { const v = await view(body.id); return v.waitingFor === "spec_approval" ? v : undefined; }, { timeoutMs: 30_000, what: "spec v1" });
    expect([v1.specVersion, v1.spec?.title]).toEqual([1, "Calc v1"]);

    const empty = await api(stack, "POST", `/runs/${body.id}/spec/revise`, { comments: " " });
    expect(empty.status).toBe(400);
    const revised = await api(stack, "POST", `/runs/${body.id}/spec/revise`, { comments: COMMENTS });
    expect(revised.status).toBe(202);
    const v2 = await waitFor(async () => { const v = await view(body.id); return v.specVersion === 2 && v.waitingFor === "spec_approval" ? v : undefined; }, { timeoutMs: 30_000, what: "spec v2" });
    expect(v2.spec?.title).toBe("Calc v2");
    const plannerRequests = model.requests.filter((r) => r.headers["x-harness-role"] === "planner" && JSON.stringify(r.body).includes("reviewed spec"));
    expect(plannerRequests.length).toBe(2);
    expect(JSON.stringify(plannerRequests[1]!.body)).toContain(COMMENTS);
    expect(JSON.stringify(plannerRequests[1]!.body)).toContain("Calc v1"); // the previous version, for the planner to revise

    expect((await api(stack, "POST", `/runs/${body.id}/approve`, {})).status).toBe(202);
    const run = await finished(body.id);
    expect(run.status, run.reason).toBe("completed");
    expect(run.sprints.map((s) => s.status)).toEqual(["passed", "passed"]);
    const { body: events } = await api<EventsView>(stack, "GET", `/runs/${body.id}/events`);
    expect(events.events.filter((e) => e.message.type === "spec.produced").map((e) => [e.message.payload.version, e.message.payload.spec?.title])).toEqual([[1, "Calc v1"], [2, "Calc v2"]]);
  });

  it("answers a revise request with 409 when the run is not waiting for spec approval", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    await finished(body.id);
    const r = await api<{ message: string }>(stack, "POST", `/runs/${body.id}/spec/revise`, { comments: COMMENTS });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(new RegExp(`^run ${body.id} is (completed|failed); there is no spec to revise$`));
  });

  it("re-splits the remaining sprints after a sprint fails every attempt, and the run continues to completion", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A library whose build never passes", options: { maxAttemptsPerSprint: 2, maxReplans: 1 } });
    const run = await finished(body.id);
    expect(run.status, run.reason).toBe("completed");
    expect(run.specVersion).toBe(2);
    expect(run.spec?.title).toBe("Calc");
    const replan = model.requests.find((r) => r.matchedRule === "plan-resplit");
    expect(JSON.stringify(replan?.body)).toContain("failed evaluation 2 times");
  });
});
