import { BrowserCheck, HttpCheck, type BrowserStep, type Feature, type HttpRequestStep } from "@harness/contracts";
import { z } from "zod";
import { unsafePattern } from "../checks/regex-safety.js";
import { PatternOverrunError } from "../checks/sync-patterns.js";
import { compilePattern } from "../checks/text-assert.js";
import { normalText, ProductKnowledge } from "./knowledge.js";

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

/** Selectors that name the whole page: acting on them is no interaction with the product. */
const WHOLE_PAGE = new Set(["body", "html", ":root", "*"]);

/** A step a user does to the product (not navigation, waiting or looking). */
function interacts(step: BrowserStep): boolean {
  return (step.action === "click" || step.action === "fill" || step.action === "press" || step.action === "select") && !WHOLE_PAGE.has(step.selector.trim());
}

/** The final assertion holds when something is absent: text gone, element hidden, none counted, no console error. */
export function isNegative(step: BrowserStep): boolean {
  return step.action === "expectNoText" || step.action === "expectHidden" || step.action === "expectNoConsoleErrors" || (step.action === "expectCount" && step.count === 0);
}

/** What a browser reproduction itself typed or saw pass: its own anchors for a final expectation. */
function browserOwn(steps: readonly BrowserStep[]): string[] {
  return steps.flatMap((s) => (s.action === "fill" || s.action === "select" || s.action === "expectValue" ? [s.value] : s.action === "expectText" ? [s.text] : []));
}

function unanchored(what: string, text: string): string {
  return `the final assertion expects ${what} ${JSON.stringify(text.slice(0, 120))}, which appears nowhere in the spec, the contract, the product's source, what the product showed while you explored, or what the reproduction itself entered: an expectation taken from nowhere fails on every product, correct or not; expect what a criterion promises or what the product shows elsewhere`;
}

/** Expected values of a final positive browser assertion that nothing anchors. */
function browserExpectationProblems(steps: readonly BrowserStep[], known: ProductKnowledge): string[] {
  const last = steps.at(-1)!;
  const own = browserOwn(steps.slice(0, -1));
  switch (last.action) {
    case "expectText": {
      // expectText reads the first element the selector matches: another text asserted there earlier means the list has several, and which comes first is an order.
      const other = steps.slice(0, -1).find((s) => s.action === "expectText" && s.selector === last.selector && normalText(s.text) !== normalText(last.text));
      if (other && !known.promisesOrder()) return [`the final assertion expects ${JSON.stringify(last.text)} in the first ${last.selector}, where an earlier step saw ${JSON.stringify(other.action === "expectText" ? other.text : "")}: that assumes an order of the list the spec and the contract never promise (newest first, sorted...), and a correct product may list it elsewhere; assert on a selector that names the element, or on the list's whole text`];
      return known.knowsText(last.text, own) ? [] : [unanchored("the text", last.text)];
    }
    case "expectValue":
      // "" is in every text: an input expected empty (cleared after saving) needs the spec or contract to say so.
      if (last.value === "") return known.promisesClearing() ? [] : [`the final assertion expects ${last.selector} to be empty, but neither the spec nor the contract says it is cleared or reset: a correct product may keep what was typed; expect what a criterion promises`];
      return known.knowsText(last.value, own) ? [] : [unanchored("the value", last.value)];
    case "expectCount": {
      // Only the reproduction's own actions put things on a fresh start's page: more than it did is a count nobody promised.
      const acts = steps.filter((s) => s.action === "click" || s.action === "press").length;
      return last.count <= acts || known.promisesNumber(last.count) ? [] : [`the final assertion expects ${last.count} × ${last.selector} after only ${acts} click(s) or key press(es) on a fresh start, a count neither the spec nor the contract names: an invented count fails a correct product; expect what the steps created`];
    }
    case "expectUrl": return known.knowsText(last.contains, own) || known.knowsRoute("GET", last.contains) ? [] : [unanchored("a URL containing", last.contains)];
    case "expectTextMatches": {
      const re = compilePattern(last.pattern);
      if (typeof re === "string") return [re];
      const unsafe = unsafePattern(last.pattern);
      if (unsafe) return [`the pattern /${last.pattern}/ is unsafe: ${unsafe}; rewrite it`];
      // Tried on up to 2 MB of known text in a bounded worker: what the static check misses runs over and is refused.
      try {
        return known.matchesSome(last.pattern, own) ? [] : [unanchored("text matching", `/${last.pattern}/`)];
      } catch (err) {
        if (!(err instanceof PatternOverrunError)) throw err;
        return [`${err.message} on the text the product showed; rewrite it without overlapping or nested repetitions`];
      }
    }
    default: return [];
  }
}

function browserProblems(steps: readonly BrowserStep[], known: ProductKnowledge): string[] {
  const problems: string[] = [];
  const last = steps.at(-1)!;
  if (steps[0]?.action !== "goto") problems.push("the reproduction must start with a goto: it is replayed on a fresh start with a new browser");
  if (!isAssertion(last)) problems.push(`the last step (${last.action}) must be the assertion that fails`);
  else if (steps.length < 2) problems.push("the reproduction needs steps before its failing assertion");
  if (isAssertion(last) && !steps.slice(0, -1).some(interacts)) {
    problems.push("the reproduction never interacts with the product (click, fill, press or select on an element of the page) before its failing assertion: opening a page and asserting proves only what the page shows on arrival, which a correct product may show the same way; do what a user does, then assert its effect");
  }
  const selector = "selector" in last ? last.selector : undefined;
  if (isAssertion(last) && selector !== undefined && selector !== "body" && !steps.slice(0, -1).some((s) => provesSelector(s) === selector)) {
    problems.push(`the failing assertion's selector ${JSON.stringify(selector)} is not used by an earlier step that proves it matches an element (click, fill, expectVisible, expectText...): add one, so a wrong selector cannot pass for a defect`);
  }
  return [...problems, ...browserExpectationProblems(steps, known)];
}

/** Every string a request sends: the anchors of what its answers may be expected to hold. */
function sent(steps: readonly HttpRequestStep[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) { out.push(k); walk(x); }
  };
  for (const s of steps) { walk(s.body); walk(s.headers); out.push(s.path); }
  return out;
}

function httpProblems(check: HttpCheck, known: ProductKnowledge): string[] {
  const steps: HttpRequestStep[] = [check, ...check.then];
  const problems: string[] = [];
  for (const s of steps) {
    if (!known.knowsRoute(s.method, s.path)) {
      problems.push(`${s.method} ${s.path} is not a route the contract uses, the spec documents or the product answered while you explored (other than 404/405): a misspelt path or method fails on every product; use the product's own routes (try them with http_request first)`);
    }
  }
  const last = steps.at(-1)!;
  // A captured value ({{id}}) in the path is the product's own id: the route still decides the status.
  const status = known.statusProblem(last.method, last.path, last.body, last.expectStatus, steps.length === 1);
  if (status) problems.push(status);
  const own = sent(steps);
  // A value captured from an answer ({{id}}) is the product's own: it needs no other anchor.
  const check1 = (what: string, text: string) => { if (!text.includes("{{") && !known.knowsText(text, own)) problems.push(unanchored(what, text)); };
  for (const t of last.expectBodyContains) check1("a body containing", t);
  for (const a of last.expectBody) {
    if (a.contains !== undefined) check1("a body containing", a.contains);
    if (a.equals !== undefined) check1("a body of", a.equals);
  }
  for (const [path, v] of [...Object.entries(last.expectJson), ...last.json.flatMap((a) => [[a.path, a.equals], [a.path, a.contains]] as const)]) {
    if (typeof v === "string") check1(`${path} to hold`, v);
  }
  return problems;
}

/**
 * What code can refuse before any replay: a reproduction must name criteria of the features
 * under test; a browser one must open its own page, interact with it, end in an assertion on an
 * element its earlier steps proved exists; an http one must use routes the product has; and a
 * final positive expectation must come from somewhere (knowledge.ts). Each closes a way to fail
 * on every product, correct or not (a misspelt selector or path, an empty page asserted on, an
 * invented text). The replay (replay.ts) adds what needs the product: earlier steps pass, the
 * last one fails, twice, and a negative one holds without the reproduction's interactions.
 */
export function reproductionProblems(finding: Finding, features: readonly Feature[], known: ProductKnowledge = new ProductKnowledge(features)): string[] {
  const ids = new Set(features.flatMap((f) => f.acceptanceCriteria.map((a) => a.id)));
  const problems: string[] = [];
  const unknown = finding.criterionIds.filter((id) => !ids.has(id));
  if (unknown.length > 0) problems.push(`unknown acceptance criteria ${unknown.join(", ")}; name criteria of the features under test: ${[...ids].join(", ")}`);
  const check = finding.check;
  return [...problems, ...(check.kind === "http" ? httpProblems(check, known) : browserProblems(check.steps, known))];
}
