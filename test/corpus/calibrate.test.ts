import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { calibrateCommand } from "../../cli/src/commands/calibrate.js";
import type { CalibrationReport } from "../../cli/src/commands/calibrate-print.js";
import { CORPORA, contractOf, corpusApps, variantsOf } from "../support/corpus.js";
import { api, startStack, type Stack } from "../support/stack.js";

interface JobView { items: Array<{ variant: number; verdict?: { criteria: Array<{ checkId: string; passed: boolean }> } }>; variants: Array<{ name: string; failing: string[] }> }

/**
 * The whole shipped corpus through `harness calibrate` and the real evaluator service with the
 * scripted judge: every criterion of every variant agrees with its label (0 false passes, 0 false
 * fails, nothing left unjudged). test/calibrate.test.ts does the same on a sample in `pnpm test`.
 */
describe("corpus - calibrate over every variant of every app", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let work: string;

  beforeAll(async () => {
    model = await startScriptedModel({ script: [] });
    stack = await startStack({ modelUrl: model.url, roles: ["evaluator"], env: { EVALUATOR_CONCURRENCY: "3" } });
    work = mkdtempSync(join(tmpdir(), "calibrate-corpus-"));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("agrees with every label: no false pass, no false fail, every contract criterion counted", async () => {
    const lines: string[] = [];
    const json = join(work, "calibration.json");
    const code = await calibrateCommand(CORPORA, { api: stack.apiUrl, token: stack.token, json, scriptedJudge: true, concurrency: 3, pollMs: 500, out: (l) => lines.push(l) });
    expect(code, lines.join("\n")).toBe(0);
    const { id, report } = JSON.parse(readFileSync(json, "utf8")) as { id: string; report: CalibrationReport };
    const variants = corpusApps().flatMap((app) => variantsOf(app).map((v) => ({ name: `${app}/${v.name}`, checks: contractOf(app).checks.length, failing: v.expect.failing })));
    expect(report.variants.map((v) => v.variant).sort()).toEqual(variants.map((v) => v.name).sort());
    expect(report.totals).toEqual({ falsePass: 0, falseFail: 0, notJudged: 0, agreed: variants.reduce((n, v) => n + v.checks, 0) });
    expect(report.unjudged).toEqual([]);
    const view = (await api<JobView>(stack, "GET", `/calibrations/${id}`)).body;
    for (const item of view.items) {
      const v = view.variants[item.variant]!;
      expect(item.verdict!.criteria.filter((c) => !c.passed).map((c) => c.checkId).sort(), v.name).toEqual([...v.failing].sort());
    }
    // Per criterion: each labelled failure shows as agreed on that criterion, never as a false pass.
    for (const row of report.criteria) expect(row, row.criterion).toMatchObject({ falsePass: 0, falseFail: 0 });
  }, 900_000);
});
