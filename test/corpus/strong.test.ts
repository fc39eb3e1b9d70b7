import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { createModelClient } from "@harness/model";
import { snapshot } from "@harness/workspace";
import { evaluate } from "../../services/evaluator/src/evaluate.js";
import { contractProblems } from "../../services/evaluator/src/review-rules.js";
import { buildVariant, contractOf, corpusApps, corpusEvaluation, specOf, variantsOf, type Variant } from "../support/corpus.js";
import { concurrencyLimit } from "../support/limit.js";

/**
 * The seeded-defect corpus through the real evaluator: for every app, the strong contract (which
 * the review rules approve) fails every seeded defect on exactly the checks its label names,
 * with evidence pointing at the defect, and passes the correct twins.
 */
describe("corpus - a strong contract fails every seeded defect and passes the correct twins", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let model: ScriptedModel;
  let work: string;

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "corpus-test" });
    await bus.provision();
    model = await startScriptedModel({ script: [] });
    work = await mkdtemp(join(tmpdir(), "corpus-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
  });

  afterAll(async () => {
    await bus?.close();
    await model?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const limited = concurrencyLimit(3);

  async function judge(variant: Variant) {
    const src = join(work, "src", variant.app, variant.name);
    await buildVariant(variant, src);
    const artifact = await bus.artifacts.put((await snapshot(src)).bytes);
    const contract = contractOf(variant.app);
    const deps = {
      bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core",
      workdir: join(work, "evaluator"), chromium: process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium", judgeSystem: "unused",
    };
    return { contract, verdict: await limited(() => evaluate(deps, corpusEvaluation(`run-${variant.app}-${variant.name}`, variant.app, contract, artifact))) };
  }

  for (const app of corpusApps()) {
    it(`${app}: the strong contract is one the review rules approve`, () => {
      expect(contractProblems(contractOf(app), specOf(app).features)).toEqual([]);
    });

    it(`${app}: has a correct twin and seeded defects`, () => {
      const variants = variantsOf(app);
      expect(variants.some((v) => v.expect.passed)).toBe(true);
      expect(variants.filter((v) => !v.expect.passed).length).toBeGreaterThanOrEqual(5);
    });

    for (const variant of variantsOf(app)) {
      const title = variant.expect.passed
        ? `${app}: passes ${variant.name}: ${variant.description}`
        : `${app}: fails ${variant.name} on ${variant.expect.failing.join(", ")}: ${variant.description}`;
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
      }, 240_000);
    }
  }
});
