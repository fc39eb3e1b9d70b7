import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { createModelClient } from "@harness/model";
import { snapshot } from "@harness/workspace";
import { evaluate } from "../services/evaluator/src/evaluate.js";
import { contractProblems } from "../services/evaluator/src/review-rules.js";
import { buildVariant, evaluationMessage, todoContract, todoFeatures, todoVariants, type Variant } from "./fixtures/apps/todo.js";
import { concurrencyLimit } from "./support/limit.js";

/**
 * The evaluator against real apps: a correct todo app, a second correct one written differently,
 * and one variant per seeded defect. The same agreed contract judges them all; the evaluator
 * must fail exactly the checks each defect breaks, with evidence naming it, and pass the rest.
 */
const SAMPLE = ["correct", "button-does-nothing", "data-lost-on-reload"];

describe("evaluator - judges fixture apps on its own copy", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let model: ScriptedModel;
  let work: string;

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "evaluator-fixtures-test" });
    await bus.provision();
    // No rules: the contract has no rubric, so the only model call is exploratory QA after a
    // build whose checks all passed, which the scripted model answers "no findings" by default.
    model = await startScriptedModel({ script: [] });
    work = await mkdtemp(join(tmpdir(), "evaluator-fixtures-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
  });

  afterAll(async () => {
    await bus?.close();
    await model?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const limited = concurrencyLimit(3);

  async function judge(variant: Variant) {
    const src = join(work, "src", variant.name);
    await buildVariant(variant, src);
    const snap = await snapshot(src);
    const artifact = await bus.artifacts.put(snap.bytes);
    const contract = todoContract();
    const deps = {
      bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core",
      workdir: join(work, "evaluator"), chromium: process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium", judgeSystem: "unused",
    };
    return { contract, verdict: await limited(() => evaluate(deps, evaluationMessage(`run-${variant.name}`, contract, artifact))) };
  }

  it("judges with a contract the review rules would have agreed: every feature and deliverable behaviourally proven", () => {
    expect(contractProblems(todoContract(), todoFeatures())).toEqual([]);
  });

  // The whole seeded-defect corpus (both apps, every variant) runs in `pnpm test:corpus`; here a
  // correct twin and the two defects the demo story is about keep the evaluator honest per change.
  for (const variant of todoVariants().filter((v) => SAMPLE.includes(v.name))) {
    const title = variant.expect.passed
      ? `passes ${variant.name}: ${variant.description}`
      : `fails ${variant.name} on ${variant.expect.failing.join(", ")} with evidence of the defect: ${variant.description}`;
    it.concurrent(title, async () => {
      const { contract, verdict } = await judge(variant);
      const failing = verdict.criteria.filter((c) => !c.passed);
      const report = failing.map((c) => `${c.checkId}: ${c.feedback}`).join("\n");
      // Every agreed check has exactly one result: nothing skipped, nothing invented; a build
      // that passed them is explored too (one summary entry, no finding without a script).
      expect(verdict.criteria.map((c) => c.checkId).sort()).toEqual([...contract.checks.map((c) => c.id), ...(variant.expect.passed ? ["explore"] : [])].sort());
      expect(verdict.passed, report).toBe(variant.expect.passed);
      expect(failing.map((c) => c.checkId).sort(), report).toEqual([...variant.expect.failing].sort());
      for (const [checkId, needles] of Object.entries(variant.expect.evidence)) {
        const criterion = verdict.criteria.find((c) => c.checkId === checkId);
        const text = [criterion?.feedback, ...(criterion?.evidence ?? []).flatMap((e) => [e.summary, e.detail])].join("\n");
        for (const needle of needles) expect(text, `${checkId} evidence`).toContain(needle);
      }
      for (const c of failing) {
        expect(c.evidence.length, `${c.checkId} has evidence`).toBeGreaterThan(0);
        if (c.kind === "browser") {
          const shot = c.evidence.find((e) => e.kind === "screenshot" && e.summary.includes("failure-step"));
          expect(shot?.artifact, `${c.checkId} keeps a screenshot of the failure`).toBeDefined();
          expect(await bus.artifacts.has(shot!.artifact!.name)).toBe(true);
        }
      }
    // Counted from the start of the file's concurrent batch, so it includes waiting for a slot:
    // on a loaded machine the last variants waited most of the default minute before starting.
    }, 180_000);
  }

  it("keeps the screenshots a contract asks for as artifacts in the object store, and without a rubric calls a model only to explore", async () => {
    const correct = todoVariants().find((v) => v.name === "correct")!;
    const before = model.requests.length;
    const { verdict } = await judge(correct);
    const shot = verdict.criteria.find((c) => c.checkId === "ui-add")?.evidence.find((e) => e.kind === "screenshot");
    expect(shot?.summary).toBe("ui-add/after-add");
    const png = await bus.artifacts.get(shot!.artifact!.name);
    expect(Buffer.from(png!.subarray(1, 4)).toString()).toBe("PNG");
    expect(model.requests.slice(before).map((r) => r.matchedRule)).toEqual(["default-explorer"]);
  });
});
