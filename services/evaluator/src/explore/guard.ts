import { BrowserCheck, HttpCheck, type BrowserStep, type Feature } from "@harness/contracts";
import { z } from "zod";

/** A reproduction as the explorer writes it: a browser or http check without its bookkeeping. */
export const Reproduction = z.discriminatedUnion("kind", [
  BrowserCheck.pick({ kind: true, steps: true }),
  HttpCheck.omit({ id: true, description: true, deliverableIds: true, criterionIds: true }),
]);
export type Reproduction = z.infer<typeof Reproduction>;

export const FindingReport = z.object({
  title: z.string().min(1).max(200).describe("The defect in one line"),
  description: z.string().min(1).max(4_000).describe("What should happen (quote the criterion), what happens instead, how you found it"),
  criterionIds: z.array(z.string()).min(1).describe("The acceptance criteria (F1.2, ...) the defect violates"),
  reproduction: Reproduction,
});
export type FindingReport = z.infer<typeof FindingReport>;

/** A reported finding, its reproduction as a full check of the contract's format. */
export interface Finding {
  id: string;
  title: string;
  description: string;
  criterionIds: string[];
  check: BrowserCheck | HttpCheck;
}

export function findingOf(id: string, report: FindingReport): Finding {
  const base = { id, description: report.title.slice(0, 1_000), deliverableIds: [], criterionIds: report.criterionIds };
  const check = report.reproduction.kind === "browser"
    ? BrowserCheck.parse({ ...base, ...report.reproduction })
    : HttpCheck.parse({ ...report.reproduction, ...base });
  return { id, title: report.title, description: report.description, criterionIds: report.criterionIds, check };
}

/** Steps whose success proves their selector matched an element on the page. */
function provesSelector(step: BrowserStep): string | undefined {
  switch (step.action) {
    case "click": case "fill": case "press": case "select": case "expectVisible": case "expectText": case "expectTextMatches": case "expectValue":
      return step.selector;
    case "expectCount": return step.count > 0 ? step.selector : undefined;
    default: return undefined;
  }
}

function isAssertion(step: BrowserStep): boolean {
  return step.action.startsWith("expect");
}

/**
 * What code can refuse before any replay: a reproduction must name criteria of the features
 * under test, open its own page, end in an assertion and assert on an element its earlier steps
 * proved exists (a misspelt selector fails on every product, correct or not). The replay
 * (replay.ts) adds what needs the product: earlier steps pass, the last one fails, twice.
 */
export function reproductionProblems(finding: Finding, features: readonly Feature[]): string[] {
  const known = new Set(features.flatMap((f) => f.acceptanceCriteria.map((a) => a.id)));
  const problems: string[] = [];
  const unknown = finding.criterionIds.filter((id) => !known.has(id));
  if (unknown.length > 0) problems.push(`unknown acceptance criteria ${unknown.join(", ")}; name criteria of the features under test: ${[...known].join(", ")}`);
  const check = finding.check;
  if (check.kind === "http") return problems;
  const steps = check.steps;
  const last = steps.at(-1)!;
  if (steps[0]?.action !== "goto") problems.push("the reproduction must start with a goto: it is replayed on a fresh start with a new browser");
  if (!isAssertion(last)) problems.push(`the last step (${last.action}) must be the assertion that fails`);
  else if (steps.length < 2) problems.push("the reproduction needs steps before its failing assertion");
  const selector = "selector" in last ? last.selector : undefined;
  if (isAssertion(last) && selector !== undefined && selector !== "body" && !steps.slice(0, -1).some((s) => provesSelector(s) === selector)) {
    problems.push(`the failing assertion's selector ${JSON.stringify(selector)} is not used by an earlier step that proves it matches an element (click, fill, expectVisible, expectText...): add one, so a wrong selector cannot pass for a defect`);
  }
  return problems;
}
