import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { EvaluationRequested, type SprintContract, type Verdict } from "@harness/contracts";
import { createModelClient } from "@harness/model";
import { startScriptedModel, type Script, type ScriptRequest, type StaticReply } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { snapshot } from "@harness/workspace";
import { evaluate } from "../../services/evaluator/src/evaluate.js";
import { contractProblems } from "../../services/evaluator/src/review-rules.js";
import { buildVariant, contractOf, corpusApps, specOf, variantsOf, type ScriptedFinding, type Variant } from "../support/corpus.js";
import { weakestApproved } from "../support/weakest-contract.js";
import { concurrencyLimit } from "../support/limit.js";

/**
 * A generator trying to water "done" down gets, at best, the weakest contract the review rules
 * still approve (derived mechanically from the strong one). Against it, exploratory QA must
 * still fail the seeded defects its checks miss: a scripted explorer reports what a careful one
 * would, and only a reproduction that replays on fresh starts counts. The correct twin, shown
 * every one of those findings, stays passing (none reproduces on it).
 */
describe("corpus - the weakest approved contract plus exploratory QA still fails every seeded defect", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let work: string;

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "corpus-weakest-test" });
    await bus.provision();
    work = await mkdtemp(join(tmpdir(), "corpus-weakest-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
  });

  afterAll(async () => {
    await bus?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const limited = concurrencyLimit(3);

  /** An explorer that reports the given findings in its first turn and stops in its second. */
  function explorer(findings: ScriptedFinding[]): Script {
    const plan: StaticReply[] = [
      { toolUse: findings.map((f) => ({ name: "report_finding", input: { title: f.title, description: `${f.title} (found exploring ${f.criterionIds.join(", ")})`, criterionIds: f.criterionIds, reproduction: f.reproduction } })) },
      { text: "Done: reported what I found." },
    ];
    return [{ name: "explorer", match: { role: "evaluator", hasTool: "report_finding" }, reply: (req: ScriptRequest) => plan[Math.min(req.turn, plan.length - 1)]! }];
  }

  async function judge(variant: Variant, contract: SprintContract, findings: ScriptedFinding[]): Promise<Verdict> {
    const src = join(work, "src", variant.app, variant.name);
    await buildVariant(variant, src);
    const artifact = await bus.artifacts.put((await snapshot(src)).bytes);
    const model = await startScriptedModel({ script: findings.length > 0 ? explorer(findings) : [] });
    try {
      const msg = EvaluationRequested.parse({
        id: `weakest-${variant.app}-${variant.name}`, schemaVersion: 1, type: "evaluation.requested", runId: `run-${variant.app}-${variant.name}`, sprint: 1, attempt: 1, causationId: null,
        producer: { role: "supervisor", instance: "test" }, time: new Date().toISOString(),
        payload: { specExcerpt: specOf(variant.app), contract, artifact, explore: { maxFindings: 20 } },
      });
      const deps = { bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core", workdir: join(work, "evaluator"), chromium: process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium", judgeSystem: "unused" };
      return await limited(() => evaluate(deps, msg));
    } finally {
      await model.close();
    }
  }

  for (const app of corpusApps()) {
    const strong = contractOf(app);
    const weak = weakestApproved(strong, specOf(app).features, contractProblems);
    const variants = variantsOf(app);

    it(`${app}: the weakest approved contract is much weaker than the strong one, and still approved`, () => {
      expect(contractProblems(weak, specOf(app).features)).toEqual([]);
      expect(weak.checks.length).toBeLessThan(strong.checks.length);
    });

    for (const variant of variants.filter((v) => !v.expect.passed)) {
      it.concurrent(`${app}: fails ${variant.name}${variant.explore ? " (by a confirmed finding if the checks miss it)" : ""}`, async () => {
        const verdict = await judge(variant, weak, variant.explore ? [variant.explore] : []);
        const failing = verdict.criteria.filter((c) => !c.passed);
        const report = `${verdict.summary}\n${failing.map((c) => `${c.checkId}: ${c.feedback}`).join("\n")}`;
        expect(verdict.passed, report).toBe(false);
        const checksMissedIt = failing.every((c) => c.kind === "exploratory");
        if (checksMissedIt) {
          expect(variant.explore, `${variant.name}: the weak contract misses it and no finding is scripted`).toBeDefined();
          const confirmed = failing.find((c) => c.kind === "exploratory")!;
          expect(confirmed.criterionIds).toEqual(variant.explore!.criterionIds);
          expect(confirmed.evidence.map((e) => e.summary).join("\n")).toContain("reproduced on 2 fresh starts");
          expect(confirmed.reproduction).toBeDefined();
        }
      }, 300_000);
    }

    const correct = variants.filter((v) => v.expect.passed);
    for (const variant of correct) {
      it.concurrent(`${app}: passes ${variant.name} although every finding of the defects is reported against it (none reproduces)`, async () => {
        const findings = variants.flatMap((v) => (v.explore ? [v.explore] : []));
        const verdict = await judge(variant, weak, findings);
        expect(verdict.passed, verdict.summary).toBe(true);
        const notes = (verdict.criteria.find((c) => c.checkId === "explore")?.evidence ?? []).map((e) => `${e.summary}\n${e.detail ?? ""}`).join("\n");
        for (const [i] of findings.entries()) expect(notes).toMatch(new RegExp(`explore-${i + 1} \\(.*\\) (did not reproduce|discarded)`));
      }, 300_000);
    }
  }
});
