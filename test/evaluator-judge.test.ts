import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import type { ArtifactRef, SprintContract } from "@harness/contracts";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { createModelClient } from "@harness/model";
import { snapshot } from "@harness/workspace";
import { evaluate } from "../services/evaluator/src/evaluate.js";
import { loadJudgePrompt } from "../services/evaluator/src/prompts.js";
import { buildVariant, evaluationMessage, todoContract, todoVariants } from "./fixtures/apps/todo.js";

interface Grade { checkId: string; score: number; evidence: string[]; problems: string }

/** The judge is a model; what it says about the whole is recorded, its scores decide per criterion. */
describe("evaluator - rubric judge with hard thresholds", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let model: ScriptedModel;
  let work: string;
  let artifact: ArtifactRef;
  let judgeSystem: string;

  const contract: SprintContract = {
    ...todoContract(),
    checks: [
      todoContract().checks.find((c) => c.id === "unit-tests")!,
      { id: "functionality", kind: "rubric", description: "the promised features work end to end", deliverableIds: ["D1", "D2", "D3"], criterion: "functionality", guidance: "adding, ticking and persistence", threshold: 7 },
      { id: "code-quality", kind: "rubric", description: "clear code with meaningful tests", deliverableIds: ["D5"], criterion: "code quality", guidance: "", threshold: 6 },
    ],
  };

  const judgeReplies = (grades: Grade[], overall: string) => {
    model.setScript([{ name: "judge", match: { role: "judge", toolChoice: "submit_grades" }, reply: { toolUse: [{ name: "submit_grades", input: { grades, overall } }] } }]);
  };

  const run = async () => {
    const deps = { bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core", workdir: join(work, "evaluator"), chromium: "/usr/bin/chromium", judgeSystem };
    return evaluate(deps, evaluationMessage(`run-judge-${Date.now()}`, contract, artifact));
  };

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "evaluator-judge-test" });
    await bus.provision();
    model = await startScriptedModel({ script: [] });
    work = await mkdtemp(join(tmpdir(), "evaluator-judge-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
    const src = join(work, "src");
    await buildVariant(todoVariants().find((v) => v.name === "correct")!, src);
    artifact = await bus.artifacts.put((await snapshot(src)).bytes);
    judgeSystem = await loadJudgePrompt();
  });

  beforeEach(() => model.reset());

  afterAll(async () => {
    await bus?.close();
    await model?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("fails the sprint when the judge praises the work but scores a criterion below its threshold", async () => {
    judgeReplies([
      { checkId: "functionality", score: 6, evidence: ["public/app.js:52 add() posts and re-renders"], problems: "" },
      { checkId: "code-quality", score: 9, evidence: ["test.js asserts every operation"], problems: "" },
    ], "Outstanding, polished, production-ready work. I would ship this today.");
    const verdict = await run();
    expect(verdict.passed).toBe(false);
    expect(verdict.summary).toBe("1 of 4 criteria failed: functionality");
    const functionality = verdict.criteria.find((c) => c.checkId === "functionality")!;
    expect(functionality).toMatchObject({ kind: "rubric", score: 6, threshold: 7, passed: false });
    expect(functionality.feedback).toMatch(/^scored 6\/10, threshold 7/);
    // The praise is kept for humans and changed nothing.
    expect(verdict.judgeOpinion).toBe("Outstanding, polished, production-ready work. I would ship this today.");
  });

  it("counts a high score that cites no evidence as zero", async () => {
    judgeReplies([
      { checkId: "functionality", score: 10, evidence: [], problems: "" },
      { checkId: "code-quality", score: 8, evidence: ["test.js covers add, toggle and remaining"], problems: "" },
    ], "Flawless.");
    const verdict = await run();
    expect(verdict.passed).toBe(false);
    expect(verdict.criteria.find((c) => c.checkId === "functionality")).toMatchObject({ score: 0, passed: false });
  });

  it("passes when every score with evidence meets its threshold, and the judge saw calibration, check results and sources", async () => {
    judgeReplies([
      { checkId: "functionality", score: 8, evidence: ["lib/store.js writes atomically", "unit-tests passed"], problems: "no delete, not promised" },
      { checkId: "code-quality", score: 7, evidence: ["test.js:6-18 asserts each operation"], problems: "" },
    ], "Solid.");
    const verdict = await run();
    expect(verdict.passed, verdict.summary).toBe(true);
    expect(verdict.criteria.map((c) => [c.checkId, c.passed])).toEqual([["unit-tests", true], ["explore", true], ["functionality", true], ["code-quality", true]]);

    const request = model.requests.find((r) => r.matchedRule === "judge")!;
    const body = JSON.stringify(request.body);
    expect(body).toContain("Calibration: graded examples");
    expect(body).toContain("a test suite that cannot fail");
    expect(body).toContain("unit-tests PASSED");
    expect(body).toContain("### lib/todos.js");
    expect(body).toContain("functionality: functionality (threshold 7/10)");
  });

  it("shows the judge the screenshots the browser checks took, as images", async () => {
    judgeReplies([{ checkId: "functionality", score: 8, evidence: ["after-add screenshot lists Buy milk"], problems: "" }], "Fine.");
    const withBrowser: SprintContract = {
      ...todoContract(),
      checks: [todoContract().checks.find((c) => c.id === "ui-add")!, contract.checks.find((c) => c.id === "functionality")!],
    };
    const deps = { bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core", workdir: join(work, "evaluator"), chromium: "/usr/bin/chromium", judgeSystem };
    const verdict = await evaluate(deps, evaluationMessage(`run-judge-shots-${Date.now()}`, withBrowser, artifact));
    expect(verdict.passed, verdict.summary).toBe(true);
    const request = model.requests.find((r) => r.matchedRule === "judge")!;
    const content = (request.body as { messages: Array<{ content: Array<{ type: string; source?: { media_type: string; data: string } }> }> }).messages[0]!.content;
    const images = content.filter((b) => b.type === "image");
    expect(images.length).toBeGreaterThanOrEqual(1);
    expect(images[0]!.source!.media_type).toBe("image/png");
    // A real PNG: the signature survives the base64 round trip.
    expect(Buffer.from(images[0]!.source!.data, "base64").subarray(1, 4).toString()).toBe("PNG");
  });

  it("re-asks a judge that leaves a criterion ungraded, then fails the work instead of guessing a score", async () => {
    judgeReplies([{ checkId: "functionality", score: 9, evidence: ["works"], problems: "" }], "Great.");
    await expect(run()).rejects.toThrow(/no grade for code-quality/);
    // Asked once, then re-asked with the problem, within the bounded number of re-asks.
    expect(model.requests.filter((r) => r.matchedRule === "judge").length).toBe(3);
  });
});
