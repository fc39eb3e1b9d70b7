/**
 * Weak check shapes written by an adversarial reviewer (not the rules' author), each trying to slip
 * a check that cannot fail for a broken product past `contractProblems`. Same conventions as
 * `weak-shapes.ts`: checks go into a one-feature contract (D1 for F1, criteria F1.1/F1.2) with
 * `deliverableIds: ["D1"]` and `criterionIds: ["F1.1"]` unless they say otherwise; some refusal
 * must match `refusedFor`. A shape in `KNOWN_GAPS` still passes the rules, for the reason it gives
 * (listed in docs/architecture.md, "Review rules", "Known gaps").
 */
import type { WeakShape } from "./weak-shapes.js";

const cmd = (command: string, expectOutput: unknown[] = [], extra: Record<string, unknown> = {}) => ({ kind: "command", command, expectOutput, ...extra });
const http = (extra: Record<string, unknown>) => ({ kind: "http", method: "GET", path: "/api/notes", expectStatus: 200, ...extra });
const browser = (...steps: unknown[]) => ({ kind: "browser", steps });
const ADD = [{ action: "goto", path: "/" }, { action: "fill", selector: "#note", value: "Buy milk" }, { action: "click", selector: "#add" }];
const ACT = http({ method: "POST", body: { text: "Buy milk" }, expectStatus: 201, json: [{ path: "$.id", exists: true }], criterionIds: ["F1.2"] });
const sql = (query: string, json: unknown[]) => ({ kind: "data", file: "data/app.db", format: "sqlite", query, json });
const ANY = /.+/; // any refusal at all would do: the shape must not be approved
const A = "adversarial review";

export const ADVERSARIAL_SHAPES: readonly WeakShape[] = [
  // Commands: literal output in spellings the literal detector does not read.
  { name: "printf with a format string computes the expected text", by: A, checks: [cmd("node lib.js && printf 'sum=%d\\n' 5", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "echo of shell arithmetic", by: A, checks: [cmd("node lib.js && echo \"sum=$((2+3))\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "echo of a variable set earlier", by: A, checks: [cmd("r=sum=5; node lib.js && echo \"$r\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "echo of a command substitution", by: A, checks: [cmd("node lib.js && echo $(printf 'sum=%s' 5)", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "awk BEGIN prints the expected text", by: A, checks: [cmd("node lib.js && awk 'BEGIN { print \"sum=\" 2+3 }'", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "find -exec echo prints the expected text", by: A, checks: [cmd("node lib.js && find . -maxdepth 0 -exec echo 'sum=5' \\;", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "node -pe (combined flags) is read as running a script", by: A, checks: [cmd("node -pe \"'sum=' + (2 + 3)\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "python3 -Sc (combined flags) prints the literal itself", by: A, checks: [cmd("python3 -Sc \"print('sum=5')\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "bash -ec (combined flags) echoes the literal", by: A, checks: [cmd("bash -ec 'echo sum=5'", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "perl -le prints the literal", by: A, checks: [cmd("perl -le 'print \"sum=5\"'", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "node -e requiring only package.json", by: A, checks: [cmd("node -e \"require('./package.json'); console.log('sum=' + (2 + 3))\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "npm run env prints npm's environment", by: A, checks: [cmd("npm run env", [{ contains: "npm_package_name" }])], refusedFor: ANY },
  { name: "npm run with no script lists the scripts", by: A, checks: [cmd("npm run", [{ matches: "^\\s+test$|test" }])], refusedFor: ANY },
  { name: "a shell function wraps the echo", by: A, checks: [cmd("say() { printf '%s=%s\\n' sum 5; }; node lib.js && say", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "base64 decode of the expected text under pipefail", by: A, checks: [cmd("set -o pipefail; node lib.js && echo c3VtPTU= | base64 -d", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "the product's output discarded, a literal asserted", by: A, checks: [cmd("node cli.js add 2 3 >/dev/null 2>&1 && node -e \"console.log(['s','u','m','=','5'].join(''))\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "a node script run with --help (prints its usage whatever it does)", by: A, checks: [cmd("node --help", [{ contains: "Usage" }])], refusedFor: ANY },
  // Exit codes / test summaries.
  { name: "node --test summary asserted on stderr, where it never is", by: A, checks: [cmd("node --test 2>&1 >/dev/null", [{ matches: "# pass [1-9]" }, { contains: "# fail 0" }])], refusedFor: ANY },
  // HTTP: echo servers and empty documents.
  { name: "http body contains the request's key name (an echo server answers it)", by: A, checks: [http({ method: "POST", body: { text: "Buy milk" }, expectStatus: 201, expectBodyContains: ["\"text\""] })], refusedFor: ANY },
  { name: "http JSON pattern that an echo satisfies", by: A, checks: [http({ method: "POST", body: { text: "Buy milk" }, expectStatus: 201, json: [{ path: "$.text", matches: "milk" }] })], refusedFor: ANY },
  { name: "http search whose query an echo repeats", by: A, checks: [http({ path: "/api/search?q=milk", json: [{ path: "$.q", equals: "milk" }] })], refusedFor: ANY },
  { name: "http JSON root not equal to {} (an [] satisfies)", by: A, checks: [http({ json: [{ path: "$", notEquals: {} }] })], refusedFor: ANY },
  { name: "http JSON length >= 0", by: A, checks: [http({ json: [{ path: "$.length", gte: 0 }] })], refusedFor: ANY },
  { name: "http 400 refusal claimed as proof that a note can be added", by: A, checks: [http({ method: "POST", body: "not json", headers: { "content-type": "application/json" }, expectStatus: 400 })], refusedFor: ANY },
  // Browser: render-independent assertions.
  { name: "browser expectVisible on the input just filled", by: A, checks: [browser(...ADD, { action: "expectVisible", selector: "#note" })], refusedFor: ANY },
  { name: "browser expectVisible body after the click", by: A, checks: [browser(...ADD, { action: "expectVisible", selector: "body" })], refusedFor: ANY },
  { name: "browser text pattern \\S (any loading shell or error page)", by: A, checks: [browser(...ADD, { action: "expectTextMatches", selector: "body", pattern: "\\S" })], refusedFor: ANY },
  { name: "browser expectUrl contains / after the click", by: A, checks: [browser(...ADD, { action: "expectUrl", contains: "/" })], refusedFor: ANY },
  { name: "browser absence after a presence-of-body assertion", by: A, checks: [browser({ action: "goto", path: "/" }, { action: "expectVisible", selector: "body" }, { action: "click", selector: "#add" }, { action: "expectCount", selector: ".error", count: 0 })], refusedFor: ANY },
  { name: "browser expectText of the button label it clicked", by: A, checks: [browser(...ADD, { action: "expectText", selector: "#add", text: "Add" })], refusedFor: ANY },
  // Data checks that read nothing the product wrote.
  { name: "data check on package.json", by: A, checks: [ACT, { kind: "data", file: "package.json", format: "json", json: [{ path: "$.name", exists: true }] }], refusedFor: ANY },
  { name: "data check SELECT 1", by: A, checks: [ACT, { kind: "data", file: "data/app.db", format: "sqlite", query: "SELECT 1 AS one", json: [{ path: "$[0].one", equals: 1 }] }], refusedFor: ANY },
  { name: "data check on sqlite_master (schema exists without data)", by: A, checks: [ACT, { kind: "data", file: "data/app.db", format: "sqlite", query: "SELECT name FROM sqlite_master", json: [{ path: "$.length", gte: 1 }] }], refusedFor: ANY },
  // Contract-level dodges.
  { name: "a duplicate with a trailing slash", by: A, checks: [http({ id: "list", method: "POST", body: { text: "Buy milk" }, expectStatus: 201, json: [{ path: "$.id", exists: true }] }), http({ id: "list-again", path: "/api/notes/", method: "POST", body: { text: "Buy milk" }, expectStatus: 201, json: [{ path: "$.id", exists: true }], criterionIds: ["F1.2"] })], refusedFor: /repeats/ },
  { name: "a duplicate command with quoted program name", by: A, checks: [cmd("node cli.js add 2 3", [{ equals: "5" }], { id: "adds" }), cmd("'node' ./cli.js add 2 3", [{ equals: "5" }], { id: "adds-again", criterionIds: ["F1.2"] })], refusedFor: /repeats/ },
];

/** Adversarial shapes the rules still approve: closing them needs more than the check's structure. */
/** Shapes of the adversarial review of issue 22 (finding 1.1): each passed on the stub product before. */
export const ADVERSARIAL_SHAPES_22: readonly WeakShape[] = [
  { name: "node --eval= (one word) prints the expected text beside a product file", by: A, checks: [cmd("node --eval=\"console.log('sum=' + (2+3))\" cli.js", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "node -r preloading the product, then --eval= printing the literal", by: A, checks: [cmd("node -r ./lib.js --eval=\"console.log('sum=5')\" lib.js", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "python3 /dev/stdin runs a here-document printing the literal", by: A, checks: [cmd("python3 /dev/stdin <<'EOF'\nprint('sum=%d' % 5)\nEOF", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "node /dev/stdin runs a here-document printing the literal", by: A, checks: [cmd("node /dev/stdin <<'EOF'\nconsole.log('sum=' + (2+3))\nEOF", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "xargs echo of a here-string after running the product", by: A, checks: [cmd("node cli.js list && xargs -n1 echo <<< 'sum=5'", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "eval of an echo after running the product", by: A, checks: [cmd("node cli.js list && eval 'echo sum=5'", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "source of a here-document echoing the literal", by: A, checks: [cmd("node cli.js list && . /dev/stdin <<'EOF'\necho sum=5\nEOF", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "npm exec -- node -e prints the literal", by: A, checks: [cmd("npm exec -- node -e \"console.log('sum='+5)\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "npx -y node -e prints the literal", by: A, checks: [cmd("npx -y node -e \"console.log('sum='+5)\"", [{ contains: "sum=5" }])], refusedFor: ANY },
  { name: "a check that writes its own script, then runs it", by: A, checks: [cmd("echo \"console.log('sum='+(2+3))\" > t.js && node t.js", [{ contains: "sum=5" }])], refusedFor: ANY },
  // HTTP (finding 1.4, H9): a capture of the whole answer makes any repeated answer pass.
  { name: "a capture of $ then contains {{all}}: a stub answering {} twice passes", by: A, checks: [http({ method: "POST", body: { text: "Buy milk" }, capture: { all: "$" }, then: [{ method: "GET", path: "/api/notes", expectStatus: 200, expectBodyContains: ["{{all}}"] }] })], refusedFor: ANY },
  // HTTP (finding 1.4, H1/H11/H16): status-only in disguise, a framework's default 404 or a liveness probe passes.
  { name: "404 with a body containing \"404\" (any server's not-found page)", by: A, checks: [ACT, http({ path: "/api/notes/999999", expectStatus: 404, expectBodyContains: ["404"] })], refusedFor: ANY },
  { name: "404 with $.statusCode equal to 404 (Fastify's default answer)", by: A, checks: [ACT, http({ path: "/api/notes/999999", expectStatus: 404, json: [{ path: "$.statusCode", equals: 404 }] })], refusedFor: ANY },
  { name: "a liveness probe's {\"status\": \"ok\"} as the proof of adding", by: A, checks: [http({ path: "/health", expectJson: { "$.status": "ok" } })], refusedFor: ANY },
  { name: "a URL-encoded query value echoed in the body", by: A, checks: [http({ path: "/api/search?q=Buy%20milk", expectBodyContains: ["Buy milk"] })], refusedFor: ANY },
  { name: "a form body's value echoed in the answer", by: A, checks: [http({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "text=Buy+milk", expectStatus: 201, expectBodyContains: ["Buy milk"] })], refusedFor: ANY },
  // SQLite (finding 1.6): checks that hold on an empty table.
  { name: "COUNT(*) gte 0 holds on an empty table", by: A, checks: [ACT, sql("SELECT COUNT(*) AS n FROM notes", [{ path: "$[0].n", gte: 0 }])], refusedFor: ANY },
  { name: "COUNT(*) exists holds on an empty table", by: A, checks: [ACT, sql("SELECT COUNT(*) AS n FROM notes", [{ path: "$[0].n", exists: true }])], refusedFor: ANY },
  { name: "coalesce writes the expected value into the query", by: A, checks: [ACT, sql("SELECT coalesce(max(text), 'Buy milk') AS text FROM notes", [{ path: "$[0].text", equals: "Buy milk" }])], refusedFor: ANY },
  { name: "FROM only in a comment", by: A, checks: [ACT, sql("SELECT 'Buy milk' AS text -- FROM notes", [{ path: "$[0].text", equals: "Buy milk" }])], refusedFor: ANY },
  { name: "FROM only in a string literal", by: A, checks: [ACT, sql("SELECT 'FROM notes' AS x, 'Buy milk' AS text", [{ path: "$[0].text", equals: "Buy milk" }])], refusedFor: ANY },
  { name: "UNION with a constant arm", by: A, checks: [ACT, sql("SELECT 1 AS one UNION SELECT 1 FROM notes", [{ path: "$[0].one", equals: 1 }])], refusedFor: ANY },
];

export const KNOWN_GAPS: ReadonlyArray<WeakShape & { reason: string }> = [
  { name: "python -c importing the product but printing a constant", by: A, checks: [cmd("python3 -c \"import lib; print('sum=%d' % (2 + 3))\"", [{ contains: "sum=5" }])], refusedFor: ANY, reason: "inline code that imports the product may print a constant; telling which printed values come from the product needs a reading of the code, not its structure" },
  { name: "node --test of a file that does not exist exits 1 and prints fail 1", by: A, checks: [cmd("node --test does-not-exist.test.js", [{ matches: "# fail [1-9]" }, { matches: "# pass 0" }], { expectExitCode: 1 })], refusedFor: ANY, reason: "a missing test file and a failing test print the same runner summary; the rules cannot see which files exist" },
  { name: "npm test whose product script prints a fake passing summary and ends in || true", by: A, checks: [cmd("npm test", [{ stream: "stdout", matches: "# pass [1-9]" }, { stream: "stdout", contains: "# fail 0" }])], refusedFor: ANY, reason: "the review sees the contract, not the product's package.json; the evaluator applies the command rules to the scripts the command runs (checks/scripts.ts), and only mutation and behaviour checks catch a summary faked from inside the product's code" },
  { name: "one add check claimed for both criteria of the feature (F1.2 'empty notes are refused' never exercised)", by: A, checks: [cmd("node cli.js add 'Buy milk' && node cli.js list", [{ matches: "^1\\. Buy milk$" }], { criterionIds: ["F1.1", "F1.2"] })], refusedFor: ANY, reason: "whether a check exercises a criterion's meaning (not only names it) is for the model reviewer; code sees only the ids" },
];
