import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { DeterministicCheck, EvaluationRequested, SprintContract, type Verdict } from "@harness/contracts";
import { createModelClient } from "@harness/model";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { snapshot } from "@harness/workspace";
import { evaluate } from "../services/evaluator/src/evaluate.js";
import { buildVariant, evaluationMessage, todoContract, todoVariants } from "./fixtures/apps/todo.js";

/**
 * Sprint 2 of a todo product whose sprint 1 was accepted with the todo contract: the evaluation
 * of sprint 2's build re-runs every sprint-1 check. Sprint 2's own check stores a todo first, so
 * a regression run on the same data would see it: each set gets a fresh copy and app start.
 */
describe("evaluator - re-runs earlier accepted sprints' checks against the new build", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let model: ScriptedModel;
  let work: string;

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "evaluator-regression-test" });
    await bus.provision();
    model = await startScriptedModel({ script: [] });
    work = await mkdtemp(join(tmpdir(), "evaluator-regression-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
  });

  afterAll(async () => {
    await bus?.close();
    await model?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const sprintOne = todoContract();
  const sprintTwo = SprintContract.parse({
    sprint: 2, summary: "todos from the API first", app: sprintOne.app,
    deliverables: [{ id: "D1", description: "the API takes todos", featureIds: ["F1"] }],
    // The same id as a sprint-1 check: results stay apart.
    checks: [{ id: "api-create", kind: "http", description: "a todo from sprint 2", method: "POST", path: "/api/todos", body: { title: "Sprint two" }, expectStatus: 201, deliverableIds: ["D1"] }],
  });
  const accepted = sprintOne.checks.flatMap((c) => { const d = DeterministicCheck.safeParse(c); return d.success ? [d.data] : []; });

  async function judge(name: string): Promise<Verdict> {
    const variant = todoVariants().find((v) => v.name === name)!;
    const src = join(work, "src", name);
    await buildVariant(variant, src);
    const artifact = await bus.artifacts.put((await snapshot(src)).bytes);
    const base = evaluationMessage(`run-${name}`, sprintTwo, artifact);
    const msg = EvaluationRequested.parse({ ...base, payload: { ...base.payload, regression: [{ sprint: 1, checks: accepted, app: sprintOne.app }], explore: { enabled: false } } });
    // Exploration off: this is about the regression checks alone (and no model call at all).
    const deps = {
      bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core",
      workdir: join(work, "evaluator"), chromium: process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium", judgeSystem: "unused",
    };
    return evaluate(deps, msg);
  }

  it.concurrent("passes a build that keeps every earlier check, each reported as a regression naming its sprint and check, and leaves no copy behind", async () => {
    const verdict = await judge("correct");
    const report = verdict.criteria.filter((c) => !c.passed).map((c) => `${c.checkId}: ${c.feedback}`).join("\n");
    expect(verdict.passed, report).toBe(true);
    expect(verdict.criteria.map((c) => c.checkId).sort()).toEqual(["api-create", ...accepted.map((c) => `s1:${c.id}`)].sort());
    for (const c of verdict.criteria.filter((x) => x.checkId.startsWith("s1:"))) {
      expect(c.kind).toBe("regression");
      expect(c.origin).toEqual({ sprint: 1, checkId: c.checkId.slice(3) });
    }
    // api-list expects the first todo to be sprint 1's own: it met fresh data, not sprint 2's todo.
    expect(verdict.criteria.find((c) => c.checkId === "s1:api-list")?.passed).toBe(true);
    // The fresh copies went with the evaluation's own.
    expect(await readdir(join(work, "evaluator", "run-correct"))).toEqual([]);
  }, 180_000);

  it.concurrent("fails a build that broke an earlier sprint's checks, with feedback naming the sprint and check", async () => {
    const verdict = await judge("renders-but-does-not-work");
    const failing = verdict.criteria.filter((c) => !c.passed);
    expect(verdict.passed).toBe(false);
    expect(failing.map((c) => c.checkId).sort()).toEqual(["s1:api-toggle", "s1:ui-toggle"]);
    expect(failing[0]!.feedback).toContain("sprint 1's accepted check");
    expect(failing.map((c) => c.origin?.checkId).sort()).toEqual(["api-toggle", "ui-toggle"]);
    expect(model.requests).toHaveLength(0);
  }, 180_000);
});
