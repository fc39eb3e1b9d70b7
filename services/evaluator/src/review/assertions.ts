import type { JsonAssertion, OutputAssertion } from "@harness/contracts";
import { jsonAssertionFailures } from "../checks/json-assert.js";
import { textFailures } from "../checks/text-assert.js";

/*
 * The rules judge an assertion by trying it on what a broken product would show: empty output,
 * `{}`, a blank page, a crash. An assertion that holds on one of those proves nothing by itself.
 * Assertions are evaluated by the runners' own code, so the rules and the evaluation agree.
 */

type TextAssertion = Omit<OutputAssertion, "stream">;

/** Whether a text assertion holds on `text`, exactly as the runners decide it. */
export function textHolds(a: TextAssertion, text: string): boolean {
  return textFailures(a, text, "text").length === 0;
}

/** The assertion asks for something to be there (not only for something to be absent). */
export function textIsPositive(a: TextAssertion): boolean {
  return a.contains !== undefined || a.equals !== undefined || a.matches !== undefined;
}

/** What a product that does nothing prints. */
export const EMPTY_OUTPUTS: readonly string[] = ["", "\n", "undefined", "{}", "[]", "null"];

/** What a command prints when the product is missing or crashes at once (with a non-zero exit). */
export const CRASH_OUTPUTS: readonly string[] = [
  "Error: Cannot find module '/work/app/index.js'\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1140:15)\n  code: 'MODULE_NOT_FOUND',\n  requireStack: []\n}\n\nNode.js v20.11.1",
  "TypeError: add is not a function\n    at Object.<anonymous> (/work/app/test.js:3:1)",
  "sh: 1: app: not found",
  "python3: can't open file '/work/app/main.py': [Errno 2] No such file or directory",
  "Traceback (most recent call last):\n  File \"main.py\", line 1, in <module>\nModuleNotFoundError: No module named 'app'",
  "npm ERR! Missing script: \"test\"\nnpm ERR! A complete log of this run can be found in: /root/.npm/_logs/debug-0.log",
  "curl: (7) Failed to connect to localhost port 3000 after 0 ms: Connection refused",
];

/**
 * Test runners' summaries: a passing run, a run of no tests, a run with a failure. An assertion
 * set proves "tests ran and passed" for a family when it holds on the first and on neither other.
 */
export const RUNNER_SUMMARIES: ReadonlyArray<{ runner: string; passed: string; none: string; failed: string; example: string }> = [
  { runner: "node --test (TAP)", passed: "TAP version 13\n# tests 3\n# suites 0\n# pass 3\n# fail 0\n# cancelled 0\n# skipped 0\n# todo 0", none: "TAP version 13\n1..0\n# tests 0\n# suites 0\n# pass 0\n# fail 0\n# cancelled 0", failed: "TAP version 13\nnot ok 2 - multiplies\n# tests 3\n# suites 0\n# pass 2\n# fail 1\n# cancelled 0", example: "{\"matches\": \"# pass [1-9]\"} and {\"contains\": \"# fail 0\"}" },
  { runner: "node --test (spec)", passed: "✔ adds (0.5ms)\nℹ tests 3\nℹ suites 0\nℹ pass 3\nℹ fail 0\nℹ cancelled 0", none: "ℹ tests 0\nℹ suites 0\nℹ pass 0\nℹ fail 0", failed: "✖ multiplies (1ms)\nℹ tests 3\nℹ pass 2\nℹ fail 1", example: "{\"matches\": \"pass [1-9]\"} and {\"matches\": \"fail 0\\\\b\"}" },
  { runner: "vitest", passed: " ✓ src/app.test.ts (3 tests) 4ms\n\n Test Files  1 passed (1)\n      Tests  3 passed (3)", none: "No test files found, exiting with code 1", failed: " Test Files  1 failed (1)\n      Tests  1 failed | 2 passed (3)", example: "{\"matches\": \"Tests\\\\s+[1-9]\\\\d* passed\"} and {\"notContains\": \"failed\"}" },
  { runner: "jest", passed: "Test Suites: 1 passed, 1 total\nTests:       3 passed, 3 total", none: "Test Suites: 0 total\nTests:       0 total", failed: "Test Suites: 1 failed, 1 total\nTests:       1 failed, 2 passed, 3 total", example: "{\"matches\": \"Tests:\\\\s+[1-9]\\\\d* passed\"} and {\"notContains\": \"failed\"}" },
  { runner: "mocha", passed: "  adds\n    ✔ adds two numbers\n\n  3 passing (6ms)", none: "\n  0 passing (1ms)", failed: "  2 passing (6ms)\n  1 failing\n\n  1) multiplies", example: "{\"matches\": \"[1-9]\\\\d* passing\"} and {\"notContains\": \"failing\"}" },
  { runner: "pytest", passed: "============================== 3 passed in 0.02s ===============================", none: "============================ no tests ran in 0.01s =============================", failed: "========================= 1 failed, 2 passed in 0.03s ==========================", example: "{\"matches\": \"[1-9]\\\\d* passed\"} and {\"notMatches\": \"failed|error\"}" },
  { runner: "unittest", passed: "...\n----------------------------------------------------------------------\nRan 3 tests in 0.001s\n\nOK", none: "\n----------------------------------------------------------------------\nRan 0 tests in 0.000s\n\nOK", failed: ".F.\n----------------------------------------------------------------------\nRan 3 tests in 0.001s\n\nFAILED (failures=1)", example: "{\"matches\": \"Ran [1-9]\\\\d* tests?\"} and {\"matches\": \"^OK\"}" },
];

/** The summaries a test program prints: its own runner's, or any when a script hides which runner it is. */
function familiesOf(program: string): typeof RUNNER_SUMMARIES {
  const known: Array<[RegExp, string]> = [[/--test$/, "node --test"], [/^(npx )?vitest/, "vitest"], [/^jest/, "jest"], [/^mocha/, "mocha"], [/pytest/, "pytest"], [/unittest/, "unittest"]];
  const hit = known.find(([re]) => re.test(program));
  return hit ? RUNNER_SUMMARIES.filter((f) => f.runner.startsWith(hit[1])) : RUNNER_SUMMARIES;
}

/** The runner family whose summary the assertions check properly, if any. */
export function provesTestsPassed(assertions: readonly TextAssertion[], program = ""): string | undefined {
  return provesSummary(assertions, program, "passed", ["none", "failed"]);
}

/**
 * The assertions that hold on the runner's `want` summary must, together, hold on none of the
 * `not` summaries, empty output or a crash. Assertions the sample summary does not satisfy (a
 * test's own name, "AssertionError") only add: they can make a check stricter, never weaker.
 */
function provesSummary(assertions: readonly TextAssertion[], program: string, want: "passed" | "failed", not: ReadonlyArray<"passed" | "failed" | "none">): string | undefined {
  for (const f of familiesOf(program)) {
    const summary = assertions.filter((a) => textHolds(a, f[want]));
    if (summary.length === 0) continue;
    const all = (text: string) => summary.every((a) => textHolds(a, text));
    if (!not.some((k) => all(f[k])) && !EMPTY_OUTPUTS.some(all) && !CRASH_OUTPUTS.some(all)) return f.runner;
  }
  return undefined;
}

/**
 * For a run expected to fail (a mutation check: the code broken in a scratch copy), the
 * assertions must prove that tests ran and one failed: they hold on a summary with a failure and
 * on neither a passing run, a run of no tests, empty output nor a crash.
 */
export function provesTestsFailed(assertions: readonly TextAssertion[], program = ""): string | undefined {
  return provesSummary(assertions, program, "failed", ["none", "passed"]);
}

/** Whether a JSON assertion holds on `doc`, exactly as the runners decide it. */
export function jsonHolds(a: JsonAssertion, doc: unknown): boolean {
  return jsonAssertionFailures(a, doc).length === 0;
}

/** Documents a product with nothing in it answers or stores. */
export const EMPTY_DOCUMENTS: readonly unknown[] = [{}, [], null, "", 0, { items: [] }, { data: [] }, { ok: true }, { success: true }];

/** Values an empty or default product gives; equality to one of them proves nothing. */
export function isEmptyValue(v: unknown): boolean {
  return v === null || v === "" || v === 0 || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);
}

/** A JSON assertion that no empty document satisfies and that asks for a real value. */
export function jsonIsPositive(a: JsonAssertion): boolean {
  if (a.equals !== undefined && isEmptyValue(a.equals)) return false;
  return EMPTY_DOCUMENTS.every((d) => !jsonHolds(a, d));
}
