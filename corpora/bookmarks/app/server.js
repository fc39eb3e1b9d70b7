"use strict";
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { BookmarkError, addBookmark, findBookmark, removeBookmark, search } = require("./lib/bookmarks.js");
const store = require("./lib/store.js");

const PORT = Number(process.env.PORT || 3000);
const DATA_FILE = path.join(__dirname, "data", "bookmarks.json");
const PUBLIC = path.join(__dirname, "public");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

function send(res, status, body) {
  if (status === 204) { res.writeHead(204); return res.end(); }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let raw = "";
    req.on("data", (c) => { raw += c; if (raw.length > 100_000) reject(new BookmarkError(413, "body too large")); });
    req.on("end", () => {
      try { resolve(raw ? JSON.parse(raw) : {}); } catch { reject(new BookmarkError(400, "body is not JSON")); }
    });
  });
}

function serveStatic(res, urlPath) {
  const name = urlPath === "/" ? "index.html" : urlPath.slice(1);
  const file = path.join(PUBLIC, path.normalize(name));
  if (!file.startsWith(PUBLIC) || !fs.existsSync(file)) return send(res, 404, { error: "not found" });
  res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
}

async function handle(req, res) {
  const url = new URL(req.url, "http://localhost");
  if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { ok: true });
  if (req.method === "GET" && url.pathname === "/api/bookmarks") return send(res, 200, search(store.load(DATA_FILE).items, url.searchParams.get("q")));
  if (req.method === "POST" && url.pathname === "/api/bookmarks") {
    const { db, bookmark } = addBookmark(store.load(DATA_FILE), await readJson(req));
    store.save(DATA_FILE, db);
    return send(res, 201, bookmark);
  }
  const one = /^\/api\/bookmarks\/(\d+)$/.exec(url.pathname);
  if (one && req.method === "GET") {
    const found = findBookmark(store.load(DATA_FILE), Number(one[1]));
    return found ? send(res, 200, found) : send(res, 404, { error: "no such bookmark" });
  }
  if (one && req.method === "DELETE") {
    store.save(DATA_FILE, removeBookmark(store.load(DATA_FILE), Number(one[1])));
    return send(res, 204);
  }
  if (req.method === "GET") return serveStatic(res, url.pathname);
  return send(res, 404, { error: "not found" });
}

http.createServer((req, res) => {
  handle(req, res).catch((err) => send(res, err instanceof BookmarkError ? err.status : 500, { error: err.message }));
}).listen(PORT, "127.0.0.1", () => console.log(`bookmarks listening on http://127.0.0.1:${PORT}`));
