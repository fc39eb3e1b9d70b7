import type { JsonAssertion } from "@harness/contracts";
import { directMatcher, type Matcher } from "./text-assert.js";

/**
 * Reads `$.a.b[0].c` (or `a.b.0.c`) from parsed JSON; `$` is the whole document and `length`
 * of an array is its length. Only own properties: `$.constructor` of an object has no value.
 */
export function jsonPath(value: unknown, path: string): unknown {
  const parts = path.trim().replace(/^\$\.?/, "").match(/[^.[\]]+/g) ?? [];
  let cur: unknown = value;
  for (const raw of parts) {
    const p = raw.replace(/^(["'])(.*)\1$/, "$2");
    if (cur === null || typeof cur !== "object") return undefined;
    if (Array.isArray(cur) && p === "length") { cur = cur.length; continue; }
    if (!Object.hasOwn(cur, p)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Deeper JSON than this is not judged: the assertions walk it recursively (the stack would overflow). */
export const MAX_JSON_DEPTH = 1_000;

/**
 * Why `text` (JSON the product wrote or answered) is too deeply nested to judge, or undefined.
 * Counted on the text, without recursion: `[[[[...]]]]` a million deep parses, then throws
 * RangeError out of every recursive walk (equality, JSON.stringify).
 */
export function jsonDepthProblem(text: string, what: string): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) return `${what} is JSON nested more than ${MAX_JSON_DEPTH} levels deep, deeper than any data the product should store or answer; it is not judged`;
    } else if (c === 93 || c === 125) depth--;
  }
  return undefined;
}

/** Structural equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A value as evidence shows it: JSON, cut short. */
export function show(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function containsValue(got: unknown, wanted: unknown): boolean | undefined {
  if (typeof got === "string") return got.includes(typeof wanted === "string" ? wanted : JSON.stringify(wanted));
  if (Array.isArray(got)) return got.some((x) => deepEqual(x, wanted));
  return undefined;
}

/** What does not hold of one assertion on `doc`, each failure naming the path and the value found. */
export function jsonAssertionFailures(a: JsonAssertion, doc: unknown, match: Matcher = directMatcher): string[] {
  const got = jsonPath(doc, a.path);
  const at = `${a.path} is ${show(got)}`;
  const failures: string[] = [];
  const present = got !== undefined;
  if (a.absent === true && present) failures.push(`${at} (expected no value)`);
  if (a.exists === false && present) failures.push(`${at} (expected no value)`);
  if ((a.absent === false || a.exists === true) && !present) failures.push(`${a.path} has no value (expected one)`);
  if (a.equals !== undefined && !deepEqual(got, a.equals)) failures.push(`${at} (expected ${show(a.equals)})`);
  if (a.notEquals !== undefined && deepEqual(got, a.notEquals)) failures.push(`${at} (expected anything else)`);
  if (a.matches !== undefined) {
    const r = match(a.matches, present ? (typeof got === "string" ? got : JSON.stringify(got)) : "");
    if (typeof r === "string") failures.push(r);
    else if (!present) failures.push(`${a.path} has no value (expected one matching /${a.matches}/)`);
    else if (!r) failures.push(`${at} (expected it to match /${a.matches}/)`);
  }
  for (const [wanted, negate] of [[a.contains, false], [a.notContains, true]] as const) {
    if (wanted === undefined) continue;
    // A missing value or a number proves nothing either way: it fails rather than holds vacuously.
    const has = containsValue(got, wanted);
    if (has === undefined) failures.push(`${at}, not a string or an array (expected one ${negate ? "without" : "containing"} ${show(wanted)})`);
    else if (has === negate) failures.push(`${at} (expected it ${negate ? "not to contain" : "to contain"} ${show(wanted)})`);
  }
  for (const [bound, holds, word] of [[a.gte, (n: number, b: number) => n >= b, "at least"], [a.lte, (n: number, b: number) => n <= b, "at most"]] as const) {
    if (bound === undefined) continue;
    if (typeof got !== "number") failures.push(`${at}, not a number (expected ${word} ${bound})`);
    else if (!holds(got, bound)) failures.push(`${at} (expected ${word} ${bound})`);
  }
  return failures;
}

export function jsonFailures(assertions: readonly JsonAssertion[], doc: unknown, match: Matcher = directMatcher): string[] {
  return assertions.flatMap((a) => jsonAssertionFailures(a, doc, match));
}
