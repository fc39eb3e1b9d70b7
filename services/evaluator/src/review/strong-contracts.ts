/**
 * Contracts the rules must approve: each check can fail for a broken product, and together they
 * name every acceptance criterion. A test runs every check of these against stub products (a
 * server answering 200 `{}`, a blank page, test scripts that exit 0 printing nothing) and
 * requires each to fail.
 */
export interface StrongContract {
  name: string;
  features: Array<{ id: string; title: string; userStory: string; acceptanceCriteria: string[] }>;
  contract: Record<string, unknown>;
}

const APP = { startCommand: "node server.js", port: 3000, readinessPath: "/api/health" };
const feature = (id: string, title: string, acceptanceCriteria: string[]) => ({ id, title, userStory: `As a user, I want ${title.toLowerCase()}`, acceptanceCriteria });
const TAP = [{ matches: "# pass [1-9]" }, { contains: "# fail 0" }];

export const STRONG_CONTRACTS: readonly StrongContract[] = [
  {
    name: "calculator CLI with its own node tests",
    features: [feature("F1", "Arithmetic on the command line", ["add prints the sum", "division by zero is refused with exit 2", "the library's own tests pass"])],
    contract: {
      sprint: 1, summary: "calc CLI",
      deliverables: [{ id: "D1", description: "cli.js and lib.js", featureIds: ["F1"] }],
      checks: [
        { id: "adds", kind: "command", description: "add prints the sum", command: "node cli.js add 2 3", expectOutput: [{ stream: "stdout", matches: "^5$" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "div-zero", kind: "command", description: "division by zero is refused", command: "node cli.js divide 1 0", expectExitCode: 2, expectOutput: [{ stream: "stderr", contains: "cannot divide by zero" }], deliverableIds: ["D1"], criterionIds: ["F1.2"] },
        { id: "unit-tests", kind: "command", description: "node --test passes", command: "node --test", expectOutput: TAP, deliverableIds: ["D1"], criterionIds: ["F1.3"] },
        { id: "tests-catch-add", kind: "command", description: "mutation check: with add broken in a scratch copy, the suite fails on an assertion", command: "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT && cp -R . \"$d\" && cd \"$d\" && echo 'module.exports.add = (a, b) => a - b;' >> lib.js && node --test", expectExitCode: 1, expectOutput: [{ matches: "# fail [1-9]" }], deliverableIds: ["D1"], criterionIds: ["F1.3"] },
      ],
    },
  },
  {
    name: "notes JSON API with read-back sequences",
    features: [feature("F1", "Notes API", ["a created note can be read back by its id", "empty text is refused with 400", "the list holds notes in creation order"])],
    contract: {
      sprint: 1, summary: "notes API", app: APP,
      deliverables: [{ id: "D1", description: "POST/GET /api/notes", featureIds: ["F1"] }],
      checks: [
        { id: "create-read", kind: "http", description: "create then read back", method: "POST", path: "/api/notes", body: { text: "Buy milk" }, expectStatus: 201, json: [{ path: "$.id", exists: true }], capture: { id: "$.id" },
          then: [{ method: "GET", path: "/api/notes/{{id}}", expectStatus: 200, expectJson: { text: "Buy milk" } }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "stored", kind: "data", description: "the note is stored in the JSON file", file: "data/notes.json", format: "json", json: [{ path: "$[0].text", equals: "Buy milk" }, { path: "$[0].id", exists: true }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "rejects-empty", kind: "http", description: "empty text is refused", method: "POST", path: "/api/notes", body: { text: "  " }, expectStatus: 400, expectBodyContains: ["text is required"], deliverableIds: ["D1"], criterionIds: ["F1.2"] },
        { id: "ordered", kind: "http", description: "the list keeps creation order", method: "POST", path: "/api/notes", body: { text: "first" }, expectStatus: 201, json: [{ path: "$.id", exists: true }],
          then: [{ method: "POST", path: "/api/notes", body: { text: "second" }, expectStatus: 201, json: [{ path: "$.id", exists: true }] }, { method: "GET", path: "/api/notes", expectStatus: 200, json: [{ path: "$.length", gte: 2 }], expectBody: [{ matches: "first[\\s\\S]*second" }] }],
          deliverableIds: ["D1"], criterionIds: ["F1.3"] },
      ],
    },
  },
  {
    name: "todo page: add, tick, delete",
    features: [feature("F1", "Todo list page", ["an added todo is listed", "ticking a todo marks it done", "a deleted todo disappears"])],
    contract: {
      sprint: 1, summary: "todo page", app: APP,
      deliverables: [{ id: "D1", description: "the todo page", featureIds: ["F1"] }],
      checks: [
        { id: "add", kind: "browser", description: "adding lists it", deliverableIds: ["D1"], criterionIds: ["F1.1"], steps: [
          { action: "goto", path: "/" }, { action: "fill", selector: "#title", value: "Buy milk" }, { action: "click", selector: "#add" },
          { action: "expectText", selector: "#todos li", text: "Buy milk" }, { action: "expectCount", selector: "#todos li", count: 1 }] },
        { id: "add-stored", kind: "data", description: "the added todo is stored", file: "data/todos.json", format: "json", json: [{ path: "$.length", gte: 1 }, { path: "$[0].title", equals: "Buy milk" }, { path: "$[0].done", equals: false }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "tick", kind: "browser", description: "ticking marks it done", deliverableIds: ["D1"], criterionIds: ["F1.2"], steps: [
          { action: "goto", path: "/" }, { action: "fill", selector: "#title", value: "Walk dog" }, { action: "click", selector: "#add" },
          { action: "expectText", selector: "#todos", text: "Walk dog" }, { action: "click", selector: "#todos li:last-child input[type=checkbox]" },
          { action: "expectCount", selector: "#todos li.done", count: 1 }] },
        { id: "delete", kind: "browser", description: "deleting removes it", deliverableIds: ["D1"], criterionIds: ["F1.3"], steps: [
          { action: "goto", path: "/" }, { action: "fill", selector: "#title", value: "Call mum" }, { action: "click", selector: "#add" },
          { action: "expectText", selector: "#todos", text: "Call mum" }, { action: "click", selector: "#todos li:last-child .delete" },
          { action: "expectNoText", selector: "#todos", text: "Call mum" }] },
      ],
    },
  },
  {
    name: "counter page that survives a reload",
    features: [feature("F1", "Counter", ["clicking + counts up", "reset returns to 0", "the count survives a reload"])],
    contract: {
      sprint: 1, summary: "counter", app: APP,
      deliverables: [{ id: "D1", description: "counter page", featureIds: ["F1"] }],
      checks: [
        { id: "counts", kind: "browser", description: "three clicks count three", deliverableIds: ["D1"], criterionIds: ["F1.1"], steps: [
          { action: "goto", path: "/" }, { action: "click", selector: "#inc" }, { action: "click", selector: "#inc" }, { action: "click", selector: "#inc" },
          { action: "expectText", selector: "#count", text: "3", exact: true }] },
        { id: "resets", kind: "browser", description: "reset returns to zero", deliverableIds: ["D1"], criterionIds: ["F1.2"], steps: [
          { action: "goto", path: "/" }, { action: "click", selector: "#inc" }, { action: "expectTextMatches", selector: "#count", pattern: "^[1-9]\\d*$" },
          { action: "click", selector: "#reset" }, { action: "expectText", selector: "#count", text: "0", exact: true }] },
        { id: "persists", kind: "browser", description: "the count survives a reload", deliverableIds: ["D1"], criterionIds: ["F1.3"], steps: [
          { action: "goto", path: "/" }, { action: "click", selector: "#reset" }, { action: "click", selector: "#inc" }, { action: "click", selector: "#inc" },
          { action: "expectText", selector: "#count", text: "2", exact: true }, { action: "reload" }, { action: "expectText", selector: "#count", text: "2", exact: true }, { action: "screenshot", name: "after-reload" }] },
      ],
    },
  },
  {
    name: "python library with pytest and a direct call",
    features: [feature("F1", "Temperature conversion", ["100 C converts to 212 F", "the library's own tests pass"])],
    contract: {
      sprint: 1, summary: "temperature lib",
      deliverables: [{ id: "D1", description: "temps.py and its tests", featureIds: ["F1"] }],
      checks: [
        { id: "converts", kind: "command", description: "c_to_f(100) is 212", command: "python3 -c \"from temps import c_to_f; print(c_to_f(100))\"", expectOutput: [{ stream: "stdout", matches: "^212(\\.0)?$" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "pytest", kind: "command", description: "pytest passes", command: "python3 -m pytest -q", expectOutput: [{ matches: "[1-9]\\d* passed" }, { notMatches: "failed|error" }], deliverableIds: ["D1"], criterionIds: ["F1.2"] },
      ],
    },
  },
  {
    name: "slug library with vitest through npm test",
    features: [feature("F1", "Slugs", ["titles become lower-case dashed slugs", "the test suite passes"])],
    contract: {
      sprint: 1, summary: "slugify", installCommand: "npm ci",
      deliverables: [{ id: "D1", description: "src/slug.js", featureIds: ["F1"] }],
      checks: [
        { id: "slugifies", kind: "command", description: "slugify of a title", command: "node -e \"import('./src/slug.js').then((m) => console.log(m.slugify('Hello, World!')))\"", expectOutput: [{ stream: "stdout", equals: "hello-world" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "suite", kind: "command", description: "npm test passes", command: "npm test", expectOutput: [{ matches: "Tests\\s+[1-9]\\d* passed" }, { notContains: "failed" }], deliverableIds: ["D1"], criterionIds: ["F1.2"] },
      ],
    },
  },
  {
    name: "search API over created items",
    features: [feature("F1", "Item search", ["search returns only matching items"]), feature("F2", "Item deletion", ["a deleted item is gone from the list"])],
    contract: {
      sprint: 1, summary: "items with search and delete", app: APP,
      deliverables: [{ id: "D1", description: "GET /api/search", featureIds: ["F1"] }, { id: "D2", description: "DELETE /api/items/:id", featureIds: ["F2"] }],
      checks: [
        { id: "search", kind: "http", description: "search finds only matches", method: "POST", path: "/api/items", body: { title: "Buy oat milk" }, expectStatus: 201, json: [{ path: "$.id", exists: true }],
          then: [{ method: "POST", path: "/api/items", body: { title: "Walk dog" }, expectStatus: 201, json: [{ path: "$.id", exists: true }] },
            { method: "GET", path: "/api/search?q=oat", expectStatus: 200, json: [{ path: "$.length", equals: 1 }, { path: "$[0].title", equals: "Buy oat milk" }], expectBodyNotContains: ["Walk dog"] }],
          deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "search-stored", kind: "data", description: "both items are rows of the items table", file: "data/app.db", format: "sqlite", query: "SELECT title FROM items ORDER BY id", json: [{ path: "$.length", equals: 2 }, { path: "$[0].title", equals: "Buy oat milk" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "delete", kind: "http", description: "a deleted item is gone", method: "POST", path: "/api/items", body: { title: "Old item" }, expectStatus: 201, json: [{ path: "$.id", matches: "^\\w+$" }], capture: { id: "$.id" },
          then: [{ method: "GET", path: "/api/items", expectStatus: 200, expectBodyContains: ["Old item"] }, { method: "DELETE", path: "/api/items/{{id}}", expectStatus: 204 },
            { method: "GET", path: "/api/items", expectStatus: 200, expectBodyNotContains: ["Old item"] }],
          deliverableIds: ["D2"], criterionIds: ["F2.1"] },
      ],
    },
  },
  {
    name: "login with a token used on the next request",
    features: [feature("F1", "Sign in", ["a wrong password is refused with 401", "a signed-in user sees their own profile"])],
    contract: {
      sprint: 1, summary: "sign in", app: APP,
      deliverables: [{ id: "D1", description: "POST /api/login, GET /api/me", featureIds: ["F1"] }],
      checks: [
        { id: "wrong-password", kind: "http", description: "wrong password is refused", method: "POST", path: "/api/login", body: { user: "ada", password: "nope" }, expectStatus: 401, json: [{ path: "$.error", matches: "[Ii]nvalid|[Ww]rong" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "profile", kind: "http", description: "token opens the profile", method: "POST", path: "/api/login", body: { user: "ada", password: "lovelace" }, expectStatus: 200, expectBodyContains: ["\"token\""], json: [{ path: "$.token", matches: "^[A-Za-z0-9._-]{16,}$" }], capture: { token: "$.token" },
          then: [{ method: "GET", path: "/api/me", headers: { authorization: "Bearer {{token}}" }, expectStatus: 200, expectJson: { name: "Ada Lovelace" } }], deliverableIds: ["D1"], criterionIds: ["F1.2"] },
      ],
    },
  },
  {
    name: "todo CLI keeping its list in a file",
    features: [feature("F1", "Todo CLI", ["added todos are listed, numbered", "done marks a todo"])],
    contract: {
      sprint: 1, summary: "todo CLI",
      deliverables: [{ id: "D1", description: "todo.js", featureIds: ["F1"] }],
      checks: [
        { id: "lists", kind: "command", description: "add then list", command: "node todo.js add 'Buy milk' && node todo.js add 'Walk dog' && node todo.js list", expectOutput: [{ stream: "stdout", matches: "1\\. Buy milk\\s+2\\. Walk dog" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "done", kind: "command", description: "done marks it", command: "node todo.js add Read && node todo.js done 1 && node todo.js list", expectOutput: [{ stream: "stdout", contains: "[x] 1. " }], deliverableIds: ["D1"], criterionIds: ["F1.2"] },
        { id: "tidy", kind: "rubric", description: "readable help text", criterion: "Help text", guidance: "node todo.js --help explains every command", threshold: 7, deliverableIds: ["D1"] },
      ],
    },
  },
  {
    name: "notes page and API across two features",
    features: [feature("F1", "Notes API", ["POST returns the stored note with an id"]), feature("F2", "Notes page", ["a note typed on the page is listed", "the list survives a reload"])],
    contract: {
      sprint: 2, summary: "notes page", app: APP,
      deliverables: [{ id: "D1", description: "notes API", featureIds: ["F1"] }, { id: "D2", description: "notes page", featureIds: ["F2"] }],
      checks: [
        { id: "api-create", kind: "http", description: "create returns an id", method: "POST", path: "/api/notes", body: { text: "from the API" }, expectStatus: 201, json: [{ path: "$.id", exists: true }, { path: "$.createdAt", matches: "^\\d{4}-\\d{2}-\\d{2}T" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        { id: "page-add", kind: "browser", description: "a typed note is listed", deliverableIds: ["D2"], criterionIds: ["F2.1"], steps: [
          { action: "goto", path: "/" }, { action: "fill", selector: "#note-input", value: "Water the plants" }, { action: "press", selector: "#note-input", key: "Enter" },
          { action: "expectText", selector: "#notes", text: "Water the plants" }, { action: "expectValue", selector: "#note-input", value: "" }] },
        { id: "page-reload", kind: "browser", description: "the list survives a reload", deliverableIds: ["D2"], criterionIds: ["F2.2"], steps: [
          { action: "goto", path: "/" }, { action: "fill", selector: "#note-input", value: "Read a book" }, { action: "click", selector: "#add-note" },
          { action: "expectText", selector: "#notes", text: "Read a book" }, { action: "reload" }, { action: "expectText", selector: "#notes", text: "Read a book" }, { action: "expectNoConsoleErrors" }] },
      ],
    },
  },
];
