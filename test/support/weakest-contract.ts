import type { BrowserCheck, Check, Feature, HttpCheck, HttpRequestStep, SprintContract } from "@harness/contracts";

type Rules = (contract: SprintContract, features: readonly Feature[]) => string[];

/**
 * The weakest contract the review rules still approve, derived mechanically from a strong one:
 * try every single reduction (drop a check, an assertion, a follow-up request, a browser assertion),
 * keep the first one the rules approve, repeat until none is approved. What is left is what a
 * generator trying to water "done" down could get agreed; the corpus measures what it misses.
 */
export function weakestApproved(strong: SprintContract, features: readonly Feature[], rules: Rules): SprintContract {
  if (rules(strong, features).length > 0) throw new Error(`the strong contract is not approved: ${rules(strong, features).join("; ")}`);
  let current = strong;
  for (;;) {
    const next = reductions(current).find((c) => rules(c, features).length === 0);
    if (!next) return current;
    current = next;
  }
}

/** Every contract one removal smaller than `c`, checks first (the biggest cut), then parts. */
export function reductions(c: SprintContract): SprintContract[] {
  const out: SprintContract[] = [];
  const withCheck = (i: number, check: Check | undefined): SprintContract => ({
    ...c, checks: check ? c.checks.map((x, j) => (j === i ? check : x)) : c.checks.filter((_, j) => j !== i),
  });
  // A check a later data check reads back is an action, not only an assertion: dropping it
  // gives a contract the correct product fails too, which is not weaker, only wrong.
  const lastData = c.checks.map((x) => x.kind).lastIndexOf("data");
  c.checks.forEach((_, i) => { if (c.checks.length > 1 && i > lastData) out.push(withCheck(i, undefined)); });
  c.checks.forEach((check, i) => { for (const smaller of smallerChecks(check)) out.push(withCheck(i, smaller)); });
  return out;
}

function without<T>(xs: readonly T[], i: number): T[] {
  return xs.filter((_, j) => j !== i);
}

function smallerChecks(check: Check): Check[] {
  switch (check.kind) {
    case "command": return check.expectOutput.map((_, i) => ({ ...check, expectOutput: without(check.expectOutput, i) }));
    case "http": return smallerHttp(check);
    case "browser": return smallerBrowser(check);
    case "data": return check.json.length > 1 ? check.json.map((_, i) => ({ ...check, json: without(check.json, i) })) : [];
    case "rubric": return [];
  }
}

function smallerRequests<T extends HttpRequestStep>(r: T): T[] {
  const out: T[] = [];
  r.expectBodyContains.forEach((_, i) => out.push({ ...r, expectBodyContains: without(r.expectBodyContains, i) }));
  r.expectBodyNotContains.forEach((_, i) => out.push({ ...r, expectBodyNotContains: without(r.expectBodyNotContains, i) }));
  r.expectBody.forEach((_, i) => out.push({ ...r, expectBody: without(r.expectBody, i) }));
  r.json.forEach((_, i) => out.push({ ...r, json: without(r.json, i) }));
  for (const key of Object.keys(r.expectJson)) {
    const rest = { ...r.expectJson };
    delete rest[key];
    out.push({ ...r, expectJson: rest });
  }
  for (const key of Object.keys(r.expectHeaders)) {
    const rest = { ...r.expectHeaders };
    delete rest[key];
    out.push({ ...r, expectHeaders: rest });
  }
  return out;
}

function smallerHttp(check: HttpCheck): HttpCheck[] {
  // Only follow-up reads go whole: a later request may use what an earlier one created.
  const out: HttpCheck[] = [];
  check.then.forEach((step, i) => { if (step.method === "GET" || step.method === "HEAD") out.push({ ...check, then: without(check.then, i) }); });
  out.push(...smallerRequests(check));
  check.then.forEach((step, i) => {
    for (const smaller of smallerRequests(step)) out.push({ ...check, then: check.then.map((s, j) => (j === i ? smaller : s)) });
  });
  return out;
}

/**
 * Only assertions go: dropping an action (goto, fill, click) gives a check that fails on the
 * correct product too, which is not weaker, only wrong.
 */
function smallerBrowser(check: BrowserCheck): BrowserCheck[] {
  const out: BrowserCheck[] = [];
  check.steps.forEach((s, i) => { if (s.action.startsWith("expect") || s.action === "screenshot") out.push({ ...check, steps: without(check.steps, i) }); });
  return out;
}
