import type { BrowserCheck, BrowserStep } from "@harness/contracts";
import { matchesSomeBounded } from "../checks/sync-patterns.js";

/*
 * A browser check proves behaviour when it acts (click, fill, press, select, reload) and then
 * asserts content that only a working page shows. Absence (a count of 0, hidden, text gone) is
 * evidence only after the same page load showed content: a blank or not-yet-rendered page
 * satisfies it too.
 */

type Kind = "navigate" | "act" | "content" | "presence" | "absence" | "vacuous" | "record";

const INTERACT = new Set(["click", "fill", "press", "select"]);

/** A pattern that an empty text or most unrelated texts (a loading shell, an error page) satisfy. */
function canMatchEmpty(pattern: string): boolean {
  // Tried in the bounded worker (sync-patterns.ts): a pattern that runs over throws, and the check is refused.
  return matchesSomeBounded(pattern, [""]) || ["x", "0", "Loading...", "Error", "Cannot GET /"].filter((t) => matchesSomeBounded(pattern, [t])).length >= 3;
}

/** The page's root, or the element the check just acted on: an unchanged page shows them too. */
function untouchedTarget(selector: string, before: readonly BrowserStep[]): boolean {
  if (/^\s*(html|body|:root|#root|#app|main)\s*$/i.test(selector)) return true;
  const sinceLoad = before.slice(lastIndex(before, (s) => s.action === "goto" || s.action === "reload") + 1);
  return sinceLoad.some((s) => INTERACT.has(s.action) && "selector" in s && s.selector === selector);
}

/** What a step proves, given the steps before it. */
function kindOf(step: BrowserStep, before: readonly BrowserStep[]): Kind {
  switch (step.action) {
    case "goto": case "wait": return "navigate";
    case "reload": return "act";
    case "click": case "fill": case "press": case "select": return "act";
    case "screenshot": case "expectNoConsoleErrors": return "record";
    case "expectText": return step.text.trim() === "" || (untouchedTarget(step.selector, before) && before.some((s) => s.action === "click" && s.selector === step.selector)) ? "vacuous" : "content";
    case "expectTextMatches": return canMatchEmpty(step.pattern) ? "vacuous" : "content";
    case "expectCount": return step.count === 0 ? "absence" : "content";
    case "expectValue": {
      if (step.value === "") return "absence";
      // Reading back the value just typed into the same field proves only that typing works.
      const sinceLoad = before.slice(lastIndex(before, (s) => s.action === "goto" || s.action === "reload") + 1);
      return sinceLoad.some((s) => s.action === "fill" && s.selector === step.selector && s.value === step.value) ? "vacuous" : "content";
    }
    case "expectVisible": return untouchedTarget(step.selector, before) ? "vacuous" : "presence";
    case "expectUrl": {
      const lastGoto = [...before].reverse().find((s) => s.action === "goto");
      const actedSince = before.slice(lastIndex(before, (s) => s.action === "goto") + 1).some((s) => INTERACT.has(s.action));
      if (!actedSince || step.contains === "" || (lastGoto?.action === "goto" && lastGoto.path.includes(step.contains))) return "vacuous";
      return "presence";
    }
    case "expectHidden": case "expectNoText": return "absence";
  }
}

function lastIndex<T>(xs: readonly T[], p: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (p(xs[i]!)) return i;
  return -1;
}

const label = (s: BrowserStep): string => ("selector" in s ? `${s.action} ${s.selector}` : s.action);

export function browserProblems(c: BrowserCheck): string[] {
  const kinds = c.steps.map((s, i) => kindOf(s, c.steps.slice(0, i)));
  const problems: string[] = [];
  const asserts = kinds.filter((k) => k === "content" || k === "presence" || k === "absence");
  if (asserts.length === 0) {
    const records = c.steps.filter((s) => s.action === "screenshot" || s.action === "expectNoConsoleErrors").map((s) => s.action);
    const vacuous = c.steps.filter((_, i) => kinds[i] === "vacuous").map(label);
    const what = records.length > 0 ? `its only assertions are ${[...new Set(records)].join(" and ")}, which a blank page passes` : vacuous.length > 0 ? `its assertions (${vacuous.join(", ")}) hold on any page` : `it only navigates and acts (${c.steps.map((s) => s.action).join(", ")}) and asserts nothing`;
    problems.push(`check ${c.id}: ${what}; assert the effect a user would see (expectText, expectCount above 0, expectValue) after the interaction`);
    return problems;
  }
  const lastAct = lastIndex(kinds, (k) => k === "act");
  if (lastAct !== -1 && !kinds.slice(lastAct + 1).some((k) => k === "content" || k === "presence" || k === "absence")) {
    problems.push(`check ${c.id}: its last interaction (step ${lastAct + 1}, ${label(c.steps[lastAct]!)}) is followed by no assertion, so its effect is never checked; add an assertion of what that interaction must change (e.g. expectText or expectCount)`);
  }
  if (!kinds.includes("content") && !(kinds.includes("presence") && lastAct !== -1 && kinds.lastIndexOf("presence") > kinds.indexOf("act"))) {
    problems.push(`check ${c.id}: it asserts no content (only ${[...new Set(c.steps.filter((_, i) => kinds[i] === "presence" || kinds[i] === "absence").map(label))].join(", ")}), which a static mock-up or an empty page passes; assert the text, count or value the feature must produce`);
  }
  // Absence needs proof that this page load rendered: a content or presence assertion since the last goto/reload.
  for (const [i, k] of kinds.entries()) {
    if (k !== "absence") continue;
    const load = lastIndex(c.steps.slice(0, i), (s) => s.action === "goto" || s.action === "reload");
    const rendered = kinds.slice(load + 1, i).some((x) => x === "content" || x === "presence");
    if (!rendered) {
      problems.push(`check ${c.id}: step ${i + 1} (${label(c.steps[i]!)}) asserts absence, which an empty or not-yet-rendered page satisfies; first assert in the same page load something that proves the page rendered (e.g. expectText on the list's heading or an item that must remain)`);
      break;
    }
  }
  return problems;
}
