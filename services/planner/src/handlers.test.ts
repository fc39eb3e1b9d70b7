import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductSpec, type PlanRequested } from "@harness/contracts";
import { createModelClient, InvalidModelOutputError } from "@harness/model";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import type { WorkContext } from "@harness/runtime";
import { createHandlers } from "./handlers.js";
import { specProblems } from "./spec-check.js";

const example = (name: string) => JSON.parse(readFileSync(new URL(`../prompts/examples/${name}.json`, import.meta.url), "utf8")) as unknown;
const GOOD = ProductSpec.parse(example("good-spec"));
const THIN = example("thin-spec");

function work(payload: Partial<PlanRequested["payload"]> = {}, models: WorkContext<PlanRequested>["models"] = {}) {
  const emitted: Array<{ type: string; payload: { version?: number } }> = [];
  const msg = {
    id: "w1", schemaVersion: 1, type: "plan.requested", runId: "r1", sprint: 0, attempt: 0, causationId: null,
    producer: { role: "supervisor", instance: "t" }, time: new Date().toISOString(),
    payload: { prompt: "a pixel-art sprite editor with undo and export", maxSprints: 5, version: 1, ...payload },
  } as PlanRequested;
  const w = {
    msg, ctx: {} as WorkContext<PlanRequested>["ctx"], logger: { info() {}, warn() {}, debug() {} } as unknown as WorkContext<PlanRequested>["logger"],
    budget: { reserve() {} }, models, recordUsage: async () => {},
    emit: async (_s: unknown, type: string, p: unknown) => { emitted.push({ type, payload: p as { version?: number } }); },
  } as WorkContext<PlanRequested>;
  return { w, emitted };
}

describe("planner", () => {
  let model: ScriptedModel;
  beforeAll(async () => { model = await startScriptedModel({ script: [] }); });
  afterAll(async () => { await model.close(); });
  const planner = () => createHandlers({ model: createModelClient({ baseURL: model.url, apiKey: "test", maxRetries: 0 }), maxReasks: 2 });

  it("accepts the good example spec and rejects the thin one", () => {
    expect(specProblems(GOOD, 5)).toEqual([]);
    const thin = ProductSpec.safeParse(THIN);
    expect(thin.success).toBe(false);
  });

  it("fails the coverage check when a feature belongs to no sprint", () => {
    const uncovered = { ...GOOD, sprints: GOOD.sprints.slice(0, 2) };
    expect(specProblems(uncovered, 5)).toEqual([expect.stringContaining("F3")].concat([expect.stringContaining("F4")]));
  });

  it("re-asks a thin spec with the validation error and accepts the second answer", async () => {
    model.reset();
    model.setScript([{ match: { role: "planner" }, replies: [{ toolUse: [{ name: "submit_spec", input: THIN as Record<string, unknown> }] }, { toolUse: [{ name: "submit_spec", input: GOOD as unknown as Record<string, unknown> }] }] }]);
    const { w, emitted } = work();
    await planner().plan(w);
    expect(emitted).toEqual([{ type: "spec.produced", payload: { spec: GOOD, version: 1 } }]);
    expect(model.requests).toHaveLength(2);
    const second = JSON.stringify(model.requests[1]!.body);
    expect(second).toContain("acceptanceCriteria");
    expect(second).toContain("every feature needs at least one acceptance criterion");
  });

  it("gives up with a typed error after the bounded re-asks", async () => {
    model.reset();
    model.setScript([{ match: { role: "planner" }, reply: { toolUse: [{ name: "submit_spec", input: THIN as Record<string, unknown> }] } }]);
    const { w, emitted } = work();
    await expect(planner().plan(w)).rejects.toBeInstanceOf(InvalidModelOutputError);
    expect(model.requests).toHaveLength(3);
    expect(emitted).toEqual([]);
  });

  it("sends the reviewer's comments and the previous spec when revising", async () => {
    model.reset();
    model.setScript([{ match: { role: "planner" }, reply: { toolUse: [{ name: "submit_spec", input: GOOD as unknown as Record<string, unknown> }] } }]);
    const { w, emitted } = work({ version: 2, revision: { previousSpec: GOOD, comments: "Add a colour palette feature" } }, { planner: { model: "claude-haiku-5-5" } });
    await planner().plan(w);
    expect(emitted[0]?.payload.version).toBe(2);
    const text = JSON.stringify(model.requests[0]!.body);
    expect(text).toContain("Add a colour palette feature");
    expect(text).toContain("Sprite Forge");
    // The run's own model choice for the planner is the one asked.
    expect((model.requests[0]!.body as { model: string }).model).toBe("claude-haiku-5-5");
  });
});
