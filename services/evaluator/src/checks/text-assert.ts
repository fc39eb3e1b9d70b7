import type { OutputAssertion } from "@harness/contracts";

type TextAssertion = Omit<OutputAssertion, "stream">;

/** A contract's pattern, or why it is not one: a bad pattern fails its check, never the evaluator. */
export function compilePattern(pattern: string): RegExp | string {
  try {
    return new RegExp(pattern, "m");
  } catch (err) {
    return `invalid pattern /${pattern}/ in the contract: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function excerpt(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 200 ? `${t.slice(0, 200)}...` : t);
}

/** What does not hold of `a` on `text`; `what` names the text ("stdout", "body"). */
export function textFailures(a: TextAssertion, text: string, what: string): string[] {
  const failures: string[] = [];
  if (a.contains !== undefined && !text.includes(a.contains)) failures.push(`${what} does not contain ${JSON.stringify(a.contains)}`);
  if (a.notContains !== undefined && text.includes(a.notContains)) failures.push(`${what} contains ${JSON.stringify(a.notContains)}`);
  if (a.equals !== undefined && text.trim() !== a.equals.trim()) failures.push(`${what} is ${excerpt(text)} (expected exactly ${JSON.stringify(a.equals.trim())})`);
  for (const [pattern, negate] of [[a.matches, false], [a.notMatches, true]] as const) {
    if (pattern === undefined) continue;
    const re = compilePattern(pattern);
    if (typeof re === "string") failures.push(re);
    else if (re.test(text) === negate) failures.push(`${what} ${negate ? "matches" : "does not match"} /${pattern}/`);
  }
  return failures;
}
