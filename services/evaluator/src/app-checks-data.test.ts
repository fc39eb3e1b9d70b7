import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { SprintContract } from "@harness/contracts";
import { useNatsServer } from "@harness/testkit";
import { runAppChecks } from "./app-checks.js";

const SQL_JS = createRequire(import.meta.url).resolve("sql.js");

/**
 * A shopping list that stores its items in data/items.json or (STORE=sqlite) in data/app.db
 * through sql.js. With BROKEN=1 a delete answers 204 and drops the item from memory, so reads
 * say 404, but the store keeps it: only a look at the stored data shows the defect.
 */
const SERVER = `
const http = require("node:http");
const fs = require("node:fs");
const sqlite = process.env.STORE === "sqlite";
const broken = process.env.BROKEN === "1";
let items = [];
let next = 1;
let db;
function persist() {
  fs.mkdirSync("data", { recursive: true });
  if (!sqlite) return fs.writeFileSync("data/items.json", JSON.stringify({ items }));
  db.run("DELETE FROM items");
  for (const i of items) db.run("INSERT INTO items (id, title) VALUES (?, ?)", [i.id, i.title]);
  fs.writeFileSync("data/app.db", Buffer.from(db.export()));
}
const PAGE = '<!doctype html><input id="title"><button id="add">Add</button><ul id="items"></ul><script>' +
  'async function show(){const r=await fetch("/items");document.getElementById("items").innerHTML=(await r.json()).map(i=>"<li>"+i.title+"</li>").join("")}' +
  'document.getElementById("add").onclick=async()=>{await fetch("/items",{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({title:document.getElementById("title").value})});show()};show()</script>';
async function main() {
  if (sqlite) {
    const SQL = await require(${JSON.stringify(SQL_JS)})();
    db = new SQL.Database();
    db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
  }
  persist();
  http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const send = (status, value, type = "application/json") => { res.writeHead(status, { "content-type": type }); res.end(value === undefined ? "" : type === "application/json" ? JSON.stringify(value) : value); };
      const m = /^\\/items\\/(\\d+)$/.exec(req.url);
      if (req.url === "/") return send(200, PAGE, "text/html");
      if (req.url === "/items" && req.method === "GET") return send(200, items);
      if (req.url === "/items" && req.method === "POST") { const item = { id: next++, title: JSON.parse(body).title }; items.push(item); persist(); return send(201, item); }
      const item = m && items.find((i) => i.id === Number(m[1]));
      if (m && req.method === "GET") return item ? send(200, item) : send(404, { error: "not found" });
      if (m && req.method === "DELETE") { items = items.filter((i) => i !== item); if (!broken) persist(); return send(204); }
      send(404, { error: "no route" });
    });
  }).listen(Number(process.env.PORT), "127.0.0.1");
}
main();
`;

function contract(store: "json" | "sqlite", broken: boolean) {
  const env = `STORE=${store} BROKEN=${broken ? 1 : 0}`;
  const stored = (fields: Record<string, unknown>) => store === "json"
    ? { kind: "data", file: "data/items.json", format: "json", json: [{ path: "$.items", ...fields }] }
    : { kind: "data", file: "data/app.db", format: "sqlite", query: "SELECT id, title FROM items ORDER BY id", json: [{ path: "$", ...fields }] };
  return SprintContract.parse({
    sprint: 1, summary: "a shopping list", app: { startCommand: `${env} node server.cjs`, port: 3000, readinessPath: "/items" },
    deliverables: [{ id: "D1", description: "items are added and deleted, and stored", featureIds: ["F1"] }],
    checks: [
      { id: "add-in-page", kind: "browser", description: "an item added in the page is listed", deliverableIds: ["D1"], steps: [
        { action: "goto", path: "/" }, { action: "fill", selector: "#title", value: "Eggs" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items li", text: "Eggs" },
      ] },
      { id: "added-is-stored", description: "the item added in the page is stored", deliverableIds: ["D1"], ...stored({ contains: { id: 1, title: "Eggs" } }) },
      { id: "delete", kind: "http", description: "an item can be created and deleted", deliverableIds: ["D1"], method: "POST", path: "/items", body: { title: "Milk" }, expectStatus: 201, capture: { id: "$.id" },
        then: [{ method: "DELETE", path: "/items/{{id}}", expectStatus: 204 }, { method: "GET", path: "/items/{{id}}", expectStatus: 404 }] },
      { id: "deleted-is-gone", description: "the deleted item is gone from the store", deliverableIds: ["D1"], ...stored({ equals: [{ id: 1, title: "Eggs" }] }) },
    ],
  });
}

describe("data checks run in contract order against the running app", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let root: string;
  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "app-checks-data-test" });
    await bus.provision();
    root = await mkdtemp(join(tmpdir(), "app-checks-data-"));
    await chmod(root, 0o711); // the sandbox user passes through to the workspaces below
  });
  afterAll(async () => {
    await bus?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function judge(store: "json" | "sqlite", broken: boolean) {
    const dir = await mkdtemp(join(root, `${store}-`));
    await writeFile(join(dir, "server.cjs"), SERVER);
    const results = await runAppChecks({ artifacts: bus.artifacts, chromium: "/usr/bin/chromium" }, dir, contract(store, broken), {}, () => undefined);
    return Object.fromEntries(results.map((r) => [r.checkId, r]));
  }

  it.concurrent.each(["json", "sqlite"] as const)("a correct app passes every check, its %s store read between requests", async (store) => {
    const r = await judge(store, false);
    for (const id of ["add-in-page", "added-is-stored", "delete", "deleted-is-gone"]) expect(r[id]?.passed, `${id}: ${r[id]?.feedback}`).toBe(true);
    expect(r["added-is-stored"]!.evidence[0]!.detail).toContain("Eggs");
  }, 60_000);

  it.concurrent.each(["json", "sqlite"] as const)("a delete that answers 404 afterwards but keeps the item in its %s store fails only the data check", async (store) => {
    const r = await judge(store, true);
    expect(r["delete"]?.passed, r["delete"]?.feedback).toBe(true);
    expect(r["deleted-is-gone"]?.passed).toBe(false);
    expect(r["deleted-is-gone"]?.feedback).toContain('"title":"Milk"');
  }, 60_000);
});
