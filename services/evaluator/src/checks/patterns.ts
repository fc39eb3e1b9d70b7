import { BoundExceededError, testPatterns } from "./bounded.js";
import { compilePattern, type Matcher } from "./text-assert.js";

/** How long one check's patterns may run, together, on what the product answered. */
export const PATTERN_LIMIT_MS = 5_000;

/**
 * Runs `judge` (pure: the same matcher calls in the same order each time) with every pattern it
 * tries answered by the bounded worker (bounded.ts): a first pass collects the patterns and
 * texts, the worker tests them all within PATTERN_LIMIT_MS, a second pass reads the answers. A
 * pattern that ran over fails the check naming it: the contract's fault, not the product's.
 */
export async function withBoundedPatterns<T>(checkId: string, judge: (match: Matcher) => T, limitMs = PATTERN_LIMIT_MS): Promise<T> {
  const tests: Array<{ pattern: string; text: string }> = [];
  judge((pattern, text) => {
    const re = compilePattern(pattern);
    if (typeof re === "string") return re;
    tests.push({ pattern, text });
    return false;
  });
  if (tests.length === 0) return judge((pattern) => compilePattern(pattern) as string);
  const patterns = [...new Set(tests.map((t) => `/${t.pattern}/`))].join(", ");
  const chars = tests.reduce((n, t) => n + t.text.length, 0);
  let answers: boolean[] | string;
  try {
    answers = await testPatterns(tests, limitMs, `check ${checkId}'s pattern${tests.length > 1 ? "s" : ""} ${patterns} on ${chars} chars`);
  } catch (err) {
    if (!(err instanceof BoundExceededError)) throw err;
    answers = `${err.message}: a pattern that backtracks catastrophically is the contract's fault, not the product's; rewrite it (no repetition inside a repetition, such as (a+)+)`;
  }
  let next = 0;
  return judge((pattern) => {
    const re = compilePattern(pattern);
    if (typeof re === "string") return re;
    return typeof answers === "string" ? answers : answers[next++]!;
  });
}
