import type { OutputAssertion } from "@harness/contracts";
import { matchesSomeBounded } from "./sync-patterns.js";

type TextAssertion = Omit<OutputAssertion, "stream">;

/** A contract's pattern, or why it is not one: a bad pattern fails its check, never the evaluator. */
export function compilePattern(pattern: string): RegExp | string {
  try {
    return new RegExp(pattern, "m");
  } catch (err) {
    return `invalid pattern /${pattern}/ in the contract: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * How a pattern is tried on a text: true/false, or why it could not be (it does not compile, it
 * ran over its time). The runners use the bounded worker's answers (patterns.ts); the review
 * rules try theirs synchronously, also in a worker with a time limit (sync-patterns.ts): one that
 * runs over throws PatternOverrunError, which the review turns into a refusal of the check.
 */
export type Matcher = (pattern: string, text: string) => boolean | string;

export const directMatcher: Matcher = (pattern, text) => {
  const re = compilePattern(pattern);
  return typeof re === "string" ? re : matchesSomeBounded(pattern, [text], "m");
};

function excerpt(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 200 ? `${t.slice(0, 200)}...` : t);
}

/** What does not hold of `a` on `text`; `what` names the text ("stdout", "body"). */
export function textFailures(a: TextAssertion, text: string, what: string, match: Matcher = directMatcher): string[] {
  const failures: string[] = [];
  if (a.contains !== undefined && !text.includes(a.contains)) failures.push(`${what} does not contain ${JSON.stringify(a.contains)}`);
  if (a.notContains !== undefined && text.includes(a.notContains)) failures.push(`${what} contains ${JSON.stringify(a.notContains)}`);
  if (a.equals !== undefined && text.trim() !== a.equals.trim()) failures.push(`${what} is ${excerpt(text)} (expected exactly ${JSON.stringify(a.equals.trim())})`);
  for (const [pattern, negate] of [[a.matches, false], [a.notMatches, true]] as const) {
    if (pattern === undefined) continue;
    const r = match(pattern, text);
    if (typeof r === "string") failures.push(r);
    else if (r === negate) failures.push(`${what} ${negate ? "matches" : "does not match"} /${pattern}/`);
  }
  return failures;
}
