/**
 * Checks that must be refused: each could pass for a broken product. Anyone may add a shape:
 * `checks` go into a one-feature contract (deliverable D1 for feature F1, criteria F1.1 and
 * F1.2, an app section) with `deliverableIds: ["D1"]` and `criterionIds: ["F1.1"]` unless they
 * say otherwise, and some refusal must match `refusedFor`. `by` says who wrote the shape ("rules"
 * for the rules' author, "adversarial" for shapes written to slip a weak check through).
 */
export interface WeakShape {
  name: string;
  by: string;
  checks: Array<Record<string, unknown>>;
  refusedFor: RegExp;
}

const cmd = (command: string, expectOutput: unknown[] = [], extra: Record<string, unknown> = {}) => ({ kind: "command", command, expectOutput, ...extra });
const http = (extra: Record<string, unknown>) => ({ kind: "http", method: "GET", path: "/api/notes", expectStatus: 200, ...extra });
const browser = (...steps: unknown[]) => ({ kind: "browser", steps });
const TAP = [{ matches: "# pass [1-9]" }, { contains: "# fail 0" }];
const ADD = [{ action: "goto", path: "/" }, { action: "fill", selector: "#note", value: "Buy milk" }, { action: "click", selector: "#add" }];

export const WEAK_SHAPES: readonly WeakShape[] = [
  // Commands that cannot fail or only prove themselves.
  { name: "a bare true", by: "rules", checks: [cmd("true")], refusedFor: /runs none of the product's programs/ },
  { name: "the colon no-op", by: "rules", checks: [cmd(":", [{ contains: "" }])], refusedFor: /runs none of the product's programs/ },
  { name: "exit 0", by: "rules", checks: [cmd("exit 0")], refusedFor: /runs none of the product's programs/ },
  { name: "a no-op behind sh -c", by: "rules, adversarial", checks: [cmd("sh -c 'true'")], refusedFor: /runs none of the product's programs/ },
  { name: "tests with || true", by: "rules, adversarial", checks: [cmd("node test.js || true", [{ contains: "ok" }])], refusedFor: /exit status is decided by `true`/ },
  { name: "tests then ; exit 0", by: "rules, adversarial", checks: [cmd("node test.js; exit 0", [{ contains: "ok" }])], refusedFor: /exit status is decided by `exit 0`/ },
  { name: "tests piped into tail", by: "rules, adversarial", checks: [cmd("npm test 2>&1 | tail -n 20", TAP)], refusedFor: /exit status is decided by `tail`/ },
  { name: "echo of the expected text", by: "rules", checks: [cmd("echo all tests passed", [{ contains: "all tests passed" }])], refusedFor: /runs none of the product's programs/ },
  { name: "product run, then echo of the expected text", by: "rules, adversarial", checks: [cmd("node lib.js && echo sum=5", [{ contains: "sum=5" }])], refusedFor: /satisfied by the command's own text/ },
  { name: "printf into a pipe", by: "rules, adversarial", checks: [cmd("node lib.js && printf '%s\\n' 'result: 12' | cat", [{ contains: "result: 12" }])], refusedFor: /satisfied by the command's own text|may be printed by the command's own text|decided by `cat`/ },
  { name: "here-document of the expected text", by: "rules, adversarial", checks: [cmd("node lib.js\ncat <<EOF\n3 passing\nEOF", [{ contains: "3 passing" }])], refusedFor: /satisfied by the command's own text|decided by `cat <<`/ },
  { name: "set -x prints the command itself", by: "rules, adversarial", checks: [cmd("set -x; node cli.js add 2 3", [{ contains: "add 2 3" }])], refusedFor: /satisfied by the command's own text/ },
  { name: "inline code that loads the product but prints a literal", by: "rules, adversarial", checks: [cmd("node -e \"require('./lib.js'); console.log('sum', 5)\"", [{ equals: "sum 5" }])], refusedFor: /satisfied by the command's own text/ },
  { name: "a test run hidden behind a later product call", by: "rules, adversarial", checks: [cmd("node test.js; node -e \"require('./lib.js')\"", [{ contains: "all tests passed" }])], refusedFor: /hides a failure of `node test\.js`/ },
  { name: "cat of a source file", by: "rules", checks: [cmd("cat lib.js", [{ contains: "exports.add" }])], refusedFor: /runs none of the product's programs/ },
  { name: "grep of the source for a word", by: "rules", checks: [cmd("grep -q multiply lib.js")], refusedFor: /runs none of the product's programs/ },
  { name: "grep of the source next to a product run", by: "rules, adversarial", checks: [cmd("node lib.js && grep -c 'function add' lib.js", [{ matches: "[1-9]" }])], refusedFor: /reads the product's source/ },
  { name: "inline code that loads nothing of the product", by: "rules, adversarial", checks: [cmd("node -e \"console.log(2 + 3)\"", [{ equals: "5" }])], refusedFor: /runs none of the product's programs/ },
  { name: "node --version", by: "rules", checks: [cmd("node --version", [{ matches: "^v\\d+" }])], refusedFor: /runs none of the product's programs/ },
  { name: "presence of files", by: "rules", checks: [cmd("ls && test -f server.js")], refusedFor: /runs none of the product's programs/ },
  { name: "a product run asserting nothing", by: "rules", checks: [cmd("node test.js")], refusedFor: /asserts nothing the product prints/ },
  { name: "an exit code a crash gives too", by: "rules, adversarial", checks: [cmd("node cli.js divide 1 0", [{ stream: "stderr", contains: "Error" }], { expectExitCode: 1 })], refusedFor: /crash/ },
  { name: "exit 127 from a missing program", by: "rules, adversarial", checks: [cmd("./calc", [{ contains: "usage" }], { expectExitCode: 127 })], refusedFor: /missing program/ },
  { name: "shell control flow hides the failure", by: "rules, adversarial", checks: [cmd("if node test.js; then echo done; fi", [{ contains: "done" }])], refusedFor: /control flow/ },
  { name: "output assertion that holds on empty output", by: "rules, adversarial", checks: [cmd("node cli.js list", [{ matches: ".*" }])], refusedFor: /holds on empty output/ },
  // Test runs with no proof that tests ran and passed.
  { name: "npm test with no output assertion", by: "rules", checks: [cmd("npm test")], refusedFor: /asserts nothing the product prints|no output assertion proves that tests ran/ },
  { name: "npm test asserting only 'pass'", by: "rules", checks: [cmd("npm test", [{ contains: "pass" }])], refusedFor: /no output assertion proves that tests ran and passed/ },
  { name: "vitest asserting only 'passed'", by: "rules, adversarial", checks: [cmd("npx vitest run", [{ contains: "passed" }])], refusedFor: /no output assertion proves that tests ran and passed/ },
  { name: "node --test asserting passes but not zero failures", by: "rules, adversarial", checks: [cmd("node --test", [{ matches: "# pass [1-9]" }])], refusedFor: /no output assertion proves that tests ran and passed/ },
  { name: "pytest asserting a passed count with failures allowed", by: "rules, adversarial", checks: [cmd("python3 -m pytest -q", [{ matches: "\\d+ passed" }])], refusedFor: /no output assertion proves that tests ran and passed/ },
  { name: "a mutation check that only expects a non-zero exit", by: "rules, adversarial", checks: [cmd("d=$(mktemp -d) && cp -R . \"$d\" && cd \"$d\" && echo 'module.exports.add = () => 0;' >> lib.js && node --test", [{ contains: "fail" }], { expectExitCode: 1 })], refusedFor: /expects the tests \(`node --test`\) to fail but no output assertion proves/ },
  { name: "a mutation loop whose verdict is an echo", by: "rules, adversarial", checks: [cmd("for m in add sub; do d=$(mktemp -d); cp -R . \"$d\"; if (cd \"$d\" && node --test) >/dev/null 2>&1; then echo \"SURVIVED: $m\"; else echo \"killed: $m\"; fi; done", [{ notContains: "SURVIVED" }, { matches: "killed: .*\\n.*killed: " }])], refusedFor: /control flow/ },
  // HTTP checks a stub answers.
  { name: "http status only", by: "rules", checks: [http({ path: "/" })], refusedFor: /asserts only the status/ },
  { name: "http 201 only", by: "rules", checks: [http({ method: "POST", body: { text: "x" }, expectStatus: 201 })], refusedFor: /asserts only the status/ },
  { name: "http 404 only", by: "rules, adversarial", checks: [http({ path: "/api/notes/999", expectStatus: 404 })], refusedFor: /asserts only the status/ },
  { name: "http negative body only", by: "rules", checks: [http({ expectBodyNotContains: ["Buy milk"] })], refusedFor: /must not contain or may lack/ },
  { name: "http JSON absent only", by: "rules", checks: [http({ json: [{ path: "$[0]", absent: true }] })], refusedFor: /must not contain or may lack/ },
  { name: "http empty list length", by: "rules, adversarial", checks: [http({ expectJson: { "$.length": 0 } })], refusedFor: /must not contain or may lack/ },
  { name: "http body contains a brace", by: "rules, adversarial", checks: [http({ expectBodyContains: ["{"] })], refusedFor: /must not contain or may lack/ },
  { name: "http create asserting the echo", by: "rules, adversarial", checks: [http({ method: "POST", body: { text: "Buy milk" }, expectStatus: 201, expectJson: { text: "Buy milk" } })], refusedFor: /echoes its request/ },
  { name: "http delete then absent, never proving content", by: "rules, adversarial", checks: [http({ method: "DELETE", path: "/api/notes/1", expectStatus: 204, then: [{ method: "GET", path: "/api/notes", expectStatus: 200, expectBodyNotContains: ["Buy milk"], json: [{ path: "$.length", gte: 0 }] }] })], refusedFor: /must not contain or may lack/ },
  // Browser checks a blank page passes, or that never look at the effect.
  { name: "browser goto only", by: "rules", checks: [browser({ action: "goto", path: "/" })], refusedFor: /asserts nothing/ },
  { name: "browser fill and click, no assertion", by: "rules", checks: [browser(...ADD)], refusedFor: /asserts nothing/ },
  { name: "browser screenshot as the only assertion", by: "rules", checks: [browser(...ADD, { action: "screenshot", name: "after" })], refusedFor: /only assertions are screenshot/ },
  { name: "browser no console errors as the only assertion", by: "rules", checks: [browser({ action: "goto", path: "/" }, { action: "expectNoConsoleErrors" })], refusedFor: /only assertions are expectNoConsoleErrors/ },
  { name: "browser last interaction unasserted", by: "rules", checks: [browser(...ADD, { action: "expectText", selector: "#notes", text: "Buy milk" }, { action: "click", selector: ".delete" })], refusedFor: /last interaction \(step 5, click \.delete\) is followed by no assertion/ },
  { name: "browser count of zero on a fresh page", by: "rules", checks: [browser({ action: "goto", path: "/" }, { action: "expectCount", selector: ".error", count: 0 })], refusedFor: /asserts absence|asserts no content/ },
  { name: "browser hidden after click without proof of render", by: "rules, adversarial", checks: [browser(...ADD, { action: "expectHidden", selector: ".error" })], refusedFor: /asserts absence|asserts no content/ },
  { name: "browser text gone after reload", by: "rules, adversarial", checks: [browser(...ADD, { action: "expectText", selector: "#notes", text: "Buy milk" }, { action: "click", selector: ".delete" }, { action: "reload" }, { action: "expectNoText", selector: "#notes", text: "Buy milk" })], refusedFor: /step 7 \(expectNoText #notes\) asserts absence/ },
  { name: "browser presence of a button", by: "rules", checks: [browser({ action: "goto", path: "/" }, { action: "expectVisible", selector: "#add" })], refusedFor: /asserts no content/ },
  { name: "browser reads back the typed value", by: "rules, adversarial", checks: [browser({ action: "goto", path: "/" }, { action: "fill", selector: "#note", value: "Buy milk" }, { action: "expectValue", selector: "#note", value: "Buy milk" })], refusedFor: /hold on any page/ },
  { name: "browser empty expected text", by: "rules, adversarial", checks: [browser(...ADD, { action: "expectText", selector: "body", text: " " })], refusedFor: /hold on any page/ },
  { name: "browser pattern that matches anything", by: "rules, adversarial", checks: [browser(...ADD, { action: "expectTextMatches", selector: "body", pattern: ".*" })], refusedFor: /hold on any page/ },
  { name: "browser URL it navigated to itself", by: "rules, adversarial", checks: [browser({ action: "goto", path: "/notes" }, { action: "expectUrl", contains: "/notes" })], refusedFor: /hold on any page/ },
  // Data checks.
  { name: "data check asserting absence only", by: "rules", checks: [http({ method: "POST", body: { text: "x" }, expectStatus: 201, json: [{ path: "$.id", exists: true }], criterionIds: ["F1.2"] }), { kind: "data", file: "data/notes.json", format: "json", json: [{ path: "$[5]", absent: true }] }], refusedFor: /all hold on an empty store/ },
  { name: "data check before anything acted", by: "rules", checks: [{ kind: "data", file: "data/notes.json", format: "json", json: [{ path: "$[0].text", equals: "Buy milk" }] }], refusedFor: /before any check acted on the product/ },
  // Contract-level dodges.
  { name: "a duplicate under a new id", by: "rules", checks: [cmd("node --test", TAP, { id: "tests" }), cmd("node   --test", TAP, { id: "tests-again", criterionIds: ["F1.2"] })], refusedFor: /check tests-again repeats check tests/ },
  { name: "a check naming no deliverable", by: "rules", checks: [cmd("node cli.js add 2 3", [{ equals: "5" }], { deliverableIds: [] })], refusedFor: /names no deliverable/ },
  { name: "one check proving two features", by: "rules", checks: [cmd("node cli.js add 2 3", [{ equals: "5" }], { criterionIds: ["F1.1", "F2.1"] })], refusedFor: /claimed as the proof of several features/ },
  { name: "an unknown criterion id", by: "rules", checks: [cmd("node cli.js add 2 3", [{ equals: "5" }], { criterionIds: ["F1.9"] })], refusedFor: /names criterion F1\.9, which is not an acceptance criterion/ },
  { name: "a criterion no check names", by: "rules", checks: [cmd("node cli.js add 2 3", [{ equals: "5" }], { criterionIds: [] })], refusedFor: /acceptance criterion F1\.1 .* is named by no check/ },
  { name: "a criterion named only by a rubric", by: "rules, adversarial", checks: [{ kind: "rubric", criterion: "adds correctly", threshold: 8 }], refusedFor: /acceptance criterion F1\.1 .* is named only by x1, which the rules do not accept/ },
  { name: "a check spanning deliverables of two features", by: "rules", checks: [cmd("node cli.js add 'Buy milk' && node cli.js search milk", [{ contains: "1 match" }], { deliverableIds: ["D1", "D2"] })], refusedFor: /deliverables of different features/ },
  { name: "a criterion of a feature the check's deliverable does not deliver", by: "rules, adversarial", checks: [cmd("node cli.js search milk", [{ contains: "1 match" }], { criterionIds: ["F2.1"] })], refusedFor: /names criteria of F2, which none of its deliverables \(D1\) delivers/ },
  { name: "a pattern that is no regular expression", by: "rules", checks: [cmd("node cli.js add 2 3", [{ matches: "(?i)^5$" }])], refusedFor: /invalid pattern \/\(\?i\)\^5\$\/ in the contract/ },
  { name: "a lenient rubric threshold", by: "rules", checks: [{ kind: "rubric", criterion: "design", threshold: 3, criterionIds: [] }], refusedFor: /threshold 3\/10/ },
];
