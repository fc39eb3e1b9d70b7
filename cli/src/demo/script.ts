import type { Script, ScriptRequest, StaticReply } from "@harness/scripted-model";
import { APP_JS_BROKEN, APP_JS_FIX, INDEX_HTML, SERVER_JS, STORE_JS, TEST_JS } from "./app-files.js";

/**
 * The offline demo's model: a planner, a generator and an evaluator answering as Claude would,
 * for one small product ("Pocket Notes": a notes web app with a JSON API). Everything else is
 * real: files are written, tests run, the app is started and driven in Chromium.
 */
const SPEC = {
  title: "Pocket Notes",
  overview: "A calm, fast notes app: jot a thought, see it listed instantly, find it again after a reload.",
  targetUsers: ["people who want a scratchpad without accounts or clutter"],
  designLanguage: "Warm paper background, ink-dark serif type, one terracotta accent for actions; generous whitespace.",
  dataModel: "Note { id: number, text: string, createdAt: ISO time }, kept in a JSON file.",
  features: [
    { id: "F1", title: "Notes API", userStory: "As a user, I want my notes stored by a small API, so that they survive restarts.", acceptanceCriteria: ["POST /api/notes with text returns 201 and the note", "empty text is refused with 400", "GET /api/notes lists notes in order"] },
    { id: "F2", title: "Write and read notes", userStory: "As a user, I want to type a note and see it listed at once, so that I can capture thoughts quickly.", acceptanceCriteria: ["adding a note shows it in the list without a reload", "notes are still listed after a reload"] },
  ],
  sprints: [
    { number: 1, goal: "A persistent notes API with its own tests", featureIds: ["F1"] },
    { number: 2, goal: "A web page to add and read notes", featureIds: ["F2"] },
  ],
};

const APP = { startCommand: "node server.js", port: 3000, readinessPath: "/api/health", readinessTimeoutMs: 20_000 };

function contract(sprint: number, round: number) {
  if (sprint === 1) {
    return {
      sprint, summary: "Note store and JSON API", app: APP,
      deliverables: [{ id: "D1", description: "note store persisted to a JSON file", featureIds: ["F1"] }, { id: "D2", description: "GET/POST /api/notes", featureIds: ["F1"] }],
      checks: [
        // The runner's own summary, not a line the tests print: some tests ran, and none failed.
        {
          id: "unit-tests", kind: "command", description: "the store's own tests run and pass", command: "node --test --test-reporter=tap", deliverableIds: ["D1"],
          expectOutput: [{ stream: "stdout", matches: "^# pass [1-9]\\d*$" }, { stream: "stdout", matches: "^# fail 0$" }],
        },
        {
          id: "create-note", kind: "http", description: "a created note gets an id and is listed", method: "POST", path: "/api/notes", body: { text: "Buy milk" },
          expectStatus: 201, json: [{ path: "$.id", gte: 1 }, { path: "$.createdAt", matches: "^\\d{4}-\\d{2}-\\d{2}T" }], deliverableIds: ["D2"], criterionIds: ["F1.1"],
          then: [{ method: "GET", path: "/api/notes", expectStatus: 200, expectBodyContains: ["Buy milk"] }],
        },
        { id: "stored-note", kind: "data", description: "the note is kept in the JSON file", file: "data/notes.json", format: "json", json: [{ path: "$[0].text", equals: "Buy milk" }, { path: "$[0].id", gte: 1 }], deliverableIds: ["D1"], criterionIds: ["F1.1"] },
        {
          id: "list-in-order", kind: "http", description: "the list keeps notes in the order they were written", method: "POST", path: "/api/notes", body: { text: "first thought" },
          expectStatus: 201, json: [{ path: "$.id", gte: 1 }], deliverableIds: ["D1", "D2"], criterionIds: ["F1.3"],
          then: [
            { method: "POST", path: "/api/notes", body: { text: "second thought" }, expectStatus: 201, json: [{ path: "$.id", gte: 2 }] },
            { method: "GET", path: "/api/notes", expectStatus: 200, json: [{ path: "$.notes.length", gte: 2 }], expectBody: [{ matches: "first thought[\\s\\S]*second thought" }] },
          ],
        },
        ...(round > 1 ? [{ id: "rejects-empty", kind: "http", description: "empty text is refused", method: "POST", path: "/api/notes", body: { text: "  " }, expectStatus: 400, expectBodyContains: ["text is required"], deliverableIds: ["D2"], criterionIds: ["F1.2"] }] : []),
      ],
    };
  }
  return {
    sprint, summary: "Notes page", app: APP,
    deliverables: [{ id: "D1", description: "add a note from the page and see it listed", featureIds: ["F2"] }, { id: "D2", description: "notes persist across reloads", featureIds: ["F2"] }],
    checks: [
      { id: "add-note-ui", kind: "browser", description: "typing a note and pressing Add lists it", deliverableIds: ["D1"], criterionIds: ["F2.1"], steps: [
        { action: "goto", path: "/" }, { action: "fill", selector: "#note-input", value: "Water the plants" }, { action: "click", selector: "#add-note" },
        { action: "expectText", selector: "#notes", text: "Water the plants" }, { action: "screenshot", name: "after-add" },
      ] },
      { id: "persists-reload", kind: "browser", description: "the note is still there after a reload", deliverableIds: ["D2"], criterionIds: ["F2.2"], steps: [
        { action: "goto", path: "/" }, { action: "fill", selector: "#note-input", value: "Read a book" }, { action: "click", selector: "#add-note" },
        { action: "expectText", selector: "#notes", text: "Read a book" }, { action: "reload" }, { action: "expectText", selector: "#notes", text: "Read a book" }, { action: "expectNoConsoleErrors" },
      ] },
      { id: "visual-design", kind: "rubric", criterion: "Visual design", description: "follows the design language", deliverableIds: ["D1"], guidance: "Paper background, serif ink type, terracotta accent.", threshold: 6 },
    ],
  };
}

/** A port for the generator's own server, stable across the turns of one build. */
function selfCheckPort(req: ScriptRequest): number {
  // Only the text: cache markers move between turns, the prompt does not.
  const content = req.body.messages[0]?.content ?? "";
  const first = typeof content === "string" ? content : content.map((b) => (typeof b["text"] === "string" ? b["text"] : "")).join("");
  let h = 2166136261;
  for (let i = 0; i < first.length; i++) h = Math.imul(h ^ first.charCodeAt(i), 16777619) >>> 0;
  return 20_000 + (h % 20_000);
}

function attemptOf(req: ScriptRequest): { sprint: number; attempt: number } {
  const m = /Sprint (\d+), attempt (\d+)/.exec(req.allText);
  return { sprint: Number(m?.[1] ?? 1), attempt: Number(m?.[2] ?? 1) };
}

const write = (path: string, content: string) => ({ name: "write_file", input: { path, content } });

function build(req: ScriptRequest): StaticReply {
  const { sprint, attempt } = attemptOf(req);
  const note = (text: string): StaticReply => ({ text });
  if (sprint === 1) {
    const port = selfCheckPort(req);
    if (req.turn === 0) return { text: "I'll write the store, its tests and the server.", toolUse: [write("store.js", STORE_JS), write("test.js", TEST_JS), write("server.js", SERVER_JS)] };
    if (req.turn === 1) return { text: "Running the tests and starting the server to try the API.", toolUse: [{ name: "run_command", input: { command: "node --test --test-reporter=tap" } }, { name: "start_server", input: { command: "node server.js", port, readiness_path: "/api/health" } }] };
    if (req.turn === 2) return { toolUse: [{ name: "run_command", input: { command: `node -e "fetch('http://127.0.0.1:${port}/api/notes',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({text:'self-check'})}).then(async r=>console.log('POST /api/notes ->',r.status,await r.text()))"` } }] };
    if (req.turn === 3) return { toolUse: [{ name: "stop_server", input: { port } }, { name: "run_command", input: { command: "rm -rf data" } }] };
    return note("Built store.js (JSON-file store), server.js (GET/POST /api/notes, /api/health) and test.js; node --test passes (4 tests) and POST /api/notes answered 201 on a running server.");
  }
  if (attempt === 1) {
    if (req.turn === 0) return { text: "Adding the page and its script.", toolUse: [write("public/index.html", INDEX_HTML), write("public/app.js", APP_JS_BROKEN)] };
    if (req.turn === 1) return { toolUse: [{ name: "run_command", input: { command: "node --test --test-reporter=tap" } }] };
    return note("Added public/index.html and public/app.js; the page lists notes from the API.");
  }
  // Rework: the verdict says the note never appeared after clicking Add. Read, then fix the wiring.
  if (req.turn === 0) return { text: "The evaluator saw the click do nothing. Checking app.js.", toolUse: [{ name: "read_file", input: { path: "public/app.js" } }] };
  if (req.turn === 1) return { text: "The listener is bound to #add-btn, which does not exist; bind the form's submit instead.", toolUse: [{ name: "edit_file", input: { path: "public/app.js", ...APP_JS_FIX } }] };
  return note("Fixed: the form's submit handler now posts the note and refreshes the list.");
}

export function demoScript(): Script {
  return [
    { name: "planner", match: { role: "planner" }, reply: { toolUse: [{ name: "submit_spec", input: SPEC }] } },
    {
      name: "contract", match: { role: "generator", toolChoice: "propose_contract" },
      reply: (req) => {
        const sprint = Number(/contract for sprint (\d+)/.exec(req.lastUserText)?.[1] ?? 1);
        const round = req.allText.includes("## Your previous proposal") ? 2 : 1;
        return { toolUse: [{ name: "propose_contract", input: contract(sprint, round) }] };
      },
    },
    {
      name: "review", match: { role: "evaluator", toolChoice: "submit_review" },
      reply: (req) => req.allText.includes("\"sprint\": 1") && !req.allText.includes("rejects-empty")
        ? { toolUse: [{ name: "submit_review", input: { approved: false, changeRequests: [{ target: "D2", request: "Prove that POST /api/notes refuses empty text with 400; a stub that accepts anything would pass these checks." }], comments: "Good start." } }] }
        : { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "Every deliverable is exercised." } }] },
    },
    {
      name: "judge", match: { role: "judge", toolChoice: "submit_grades" },
      reply: { toolUse: [{ name: "submit_grades", input: { grades: [{ checkId: "visual-design", score: 7, evidence: ["public/index.html: --paper #f6f1e7 background, Georgia serif, terracotta #d9623b button, matching the design language"], problems: "No empty state when there are no notes yet." }], overall: "A coherent, calm page; small gaps in polish." } }] },
    },
    { name: "build", match: { role: "generator", hasTool: "write_file" }, reply: build },
  ];
}
