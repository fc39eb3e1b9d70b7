import { describe, expect, it } from "vitest";
import { gateFailures } from "./calibrate.js";
import { printCalibration, type CalibrationView } from "./calibrate-print.js";

const finding = (variant: string, criterion: string) => ({ variant, criterion, repeat: 1, feedback: "" });

function view(falsePasses: number, over: Partial<CalibrationView> = {}): CalibrationView {
  return {
    id: "cal-1", status: "completed", reason: "", options: { evaluators: ["core"], repeat: 1, rubric: "judged" }, items: [],
    report: {
      totals: { falsePass: falsePasses, falseFail: 0, agreed: 3, notJudged: 0 }, criteria: [], variants: [],
      falsePasses: Array.from({ length: falsePasses }, (_, i) => finding(`app/v${i}`, "ui-search")), falseFails: [], notJudged: [], flaky: [], unjudged: [], seconds: 1, costUsd: 0,
    },
    ...over,
  };
}

describe("calibrate gate", () => {
  it("passes with no false pass, and with false passes up to --max-false-pass", () => {
    expect(gateFailures(view(0), 0)).toEqual([]);
    expect(gateFailures(view(2), 2)).toEqual([]);
  });

  it("fails over the threshold, naming each variant and criterion", () => {
    expect(gateFailures(view(2), 1)).toEqual([
      "FAIL: 2 false passes (allowed 1):",
      "  app/v0: ui-search passed, but the label says it must fail",
      "  app/v1: ui-search passed, but the label says it must fail",
    ]);
  });

  it("fails a calibration that did not complete or left evaluations without a verdict", () => {
    expect(gateFailures(view(0, { status: "failed", reason: "budget exceeded (cost)" }), 0)).toEqual(["FAIL: calibration failed (budget exceeded (cost)); 0 evaluation(s) not judged"]);
  });
});

describe("calibrate summary", () => {
  const printed = (v: CalibrationView) => { const lines: string[] = []; printCalibration(v, (l) => lines.push(l)); return lines.join("\n"); };
  const note = "rubric criteria were graded by a scripted model";

  it("explains scripted rubric grading only when some criterion was not judged", () => {
    const scripted = view(0, { options: { evaluators: ["core"], repeat: 1, rubric: "not-judged" } });
    expect(printed(scripted)).not.toContain(note);
    scripted.report.totals.notJudged = 2;
    expect(printed(scripted)).toContain(note);
  });
});
