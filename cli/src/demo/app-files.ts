/** The files of the demo product, as the scripted generator writes them. */

export const STORE_JS = `// A tiny JSON-file store: notes survive restarts.
const fs = require("node:fs");
const path = require("node:path");

function createStore(file) {
  const load = () => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : []);
  const save = (notes) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(notes, null, 2));
  };
  return {
    list: () => load(),
    add(text) {
      const clean = String(text ?? "").trim();
      if (!clean) throw new Error("text is required");
      const notes = load();
      const note = { id: notes.length ? notes[notes.length - 1].id + 1 : 1, text: clean, createdAt: new Date().toISOString() };
      notes.push(note);
      save(notes);
      return note;
    },
  };
}
module.exports = { createStore };
`;

export const TEST_JS = `// The store's own tests, run with node's test runner: node --test --test-reporter=tap
const { test } = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { createStore } = require("./store.js");

const freshFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "notes-")), "notes.json");

test("a new store lists no notes", () => {
  assert.deepStrictEqual(createStore(freshFile()).list(), []);
});

test("add trims the text and numbers notes from 1", () => {
  const store = createStore(freshFile());
  const a = store.add("  Buy milk ");
  assert.strictEqual(a.text, "Buy milk");
  assert.strictEqual(a.id, 1);
  assert.strictEqual(store.add("Call mum").id, 2);
});

test("notes are kept in the file, in the order they were written", () => {
  const file = freshFile();
  const store = createStore(file);
  store.add("Buy milk");
  store.add("Call mum");
  assert.deepStrictEqual(createStore(file).list().map((n) => n.text), ["Buy milk", "Call mum"]);
});

test("empty text is refused", () => {
  assert.throws(() => createStore(freshFile()).add("   "), /required/);
});
`;

export const SERVER_JS = `const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { createStore } = require("./store.js");

const store = createStore(path.join(__dirname, "data", "notes.json"));
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  if (req.url === "/api/health") return json(res, 200, { ok: true });
  if (req.url === "/api/notes" && req.method === "GET") return json(res, 200, { notes: store.list() });
  if (req.url === "/api/notes" && req.method === "POST") {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      try {
        const note = store.add(JSON.parse(body || "{}").text);
        json(res, 201, note);
      } catch (err) {
        json(res, 400, { error: err.message });
      }
    });
    return;
  }
  const file = path.join(__dirname, "public", req.url === "/" ? "index.html" : path.normalize(req.url));
  if (!file.startsWith(path.join(__dirname, "public")) || !fs.existsSync(file)) return json(res, 404, { error: "not found" });
  res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => console.log("listening on", server.address().port));
`;

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Pocket Notes</title>
  <style>
    :root { --ink: #1d2a2f; --paper: #f6f1e7; --accent: #d9623b; }
    body { margin: 0; font: 17px/1.5 Georgia, "Iowan Old Style", serif; background: var(--paper); color: var(--ink); }
    main { max-width: 36rem; margin: 4rem auto; padding: 0 1.5rem; }
    h1 { font-size: 2.4rem; letter-spacing: -0.02em; margin: 0 0 1.5rem; }
    form { display: flex; gap: .5rem; }
    input { flex: 1; padding: .7rem .9rem; border: 2px solid var(--ink); background: white; font: inherit; }
    button { padding: .7rem 1.2rem; border: 0; background: var(--accent); color: white; font: inherit; cursor: pointer; }
    ul { list-style: none; padding: 0; margin: 2rem 0 0; }
    li { padding: .8rem 0; border-bottom: 1px dashed #b9ae9c; }
  </style>
</head>
<body>
  <main>
    <h1>Pocket Notes</h1>
    <form id="note-form">
      <input id="note-input" placeholder="Write a note" autocomplete="off" />
      <button id="add-note" type="submit">Add</button>
    </form>
    <ul id="notes"></ul>
  </main>
  <script src="/app.js"></script>
</body>
</html>
`;

/** The first UI attempt wires the form to an element that does not exist: the button does nothing. */
export const APP_JS_BROKEN = `const list = document.querySelector("#notes");
const input = document.querySelector("#note-input");

async function refresh() {
  const { notes } = await (await fetch("/api/notes")).json();
  list.replaceChildren(...notes.map((n) => Object.assign(document.createElement("li"), { textContent: n.text })));
}

document.querySelector("#add-btn")?.addEventListener("click", async (event) => {
  event.preventDefault();
  await fetch("/api/notes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: input.value }) });
  input.value = "";
  await refresh();
});

refresh();
`;

export const APP_JS_FIX = { old_text: `document.querySelector("#add-btn")?.addEventListener("click", async (event) => {`, new_text: `document.querySelector("#note-form").addEventListener("submit", async (event) => {` };
