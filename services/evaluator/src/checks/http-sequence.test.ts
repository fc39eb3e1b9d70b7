import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { HttpCheck } from "@harness/contracts";
import { freePort } from "../app-checks.js";
import { runHttpCheck } from "./http.js";

/** A small items API; `brokenDelete` answers 204 to DELETE and keeps the item (a display-only delete). */
async function itemsApi(opts: { brokenDelete?: boolean } = {}): Promise<{ server: Server; url: string }> {
  const items = new Map<number, { id: number; title: string; parent?: unknown }>();
  let next = 1;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => { body += c.toString(); });
    req.on("end", () => {
      const send = (status: number, value?: unknown) => { res.writeHead(status, { "content-type": "application/json" }); res.end(value === undefined ? "" : JSON.stringify(value)); };
      const m = /^\/items\/(\d+)$/.exec(req.url ?? "");
      if (req.method === "POST" && req.url === "/items") {
        const input = JSON.parse(body) as { title: string; parent?: unknown };
        const item = { id: next++, title: input.title, ...(input.parent !== undefined ? { parent: input.parent } : {}) };
        items.set(item.id, item);
        return send(201, item);
      }
      if (req.method === "GET" && req.url === "/items") return send(200, [...items.values()]);
      const item = m ? items.get(Number(m[1])) : undefined;
      if (req.method === "GET" && m) return item ? send(200, item) : send(404, { error: "not found" });
      if (req.method === "DELETE" && m) { if (!opts.brokenDelete) items.delete(Number(m[1])); return send(204); }
      send(404, { error: "no route" });
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${port}` };
}

const lifecycle = HttpCheck.parse({
  id: "lifecycle", kind: "http", description: "an item can be created, read back and deleted",
  method: "POST", path: "/items", body: { title: "Milk" }, expectStatus: 201, json: [{ path: "$.id", exists: true }], capture: { id: "$.id" },
  then: [
    { method: "GET", path: "/items/{{id}}", expectStatus: 200, json: [{ path: "$.id", equals: "{{id}}" }, { path: "$.title", equals: "Milk" }] },
    { method: "DELETE", path: "/items/{{id}}", expectStatus: 204 },
    { method: "GET", path: "/items/{{id}}", expectStatus: 404 },
  ],
});

describe("http check sequences", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => { if (server) server.close(() => resolve()); else resolve(); }));

  it("creates, reads back by the captured id, deletes, and sees a 404: evidence for every request", async () => {
    const api = await itemsApi();
    server = api.server;
    const r = await runHttpCheck(api.url, lifecycle);
    expect(r.passed, r.feedback).toBe(true);
    expect(r.evidence.map((e) => e.summary)).toEqual([
      "request 1 of 4: POST /items -> 201", "request 2 of 4: GET /items/1 -> 200", "request 3 of 4: DELETE /items/1 -> 204", "request 4 of 4: GET /items/1 -> 404",
    ]);
    expect(r.evidence[1]!.detail).toContain('"title":"Milk"');
  });

  it("fails a delete that only answers 204, naming the request that showed it and those before it", async () => {
    const api = await itemsApi({ brokenDelete: true });
    server = api.server;
    const r = await runHttpCheck(api.url, lifecycle);
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe("request 4 of 4: GET /items/1: status 200 (expected 404). Requests before it passed: POST /items -> 201, GET /items/1 -> 200, DELETE /items/1 -> 204.");
  });

  it("fails when a capture finds no value, and does not send the requests that needed it", async () => {
    const api = await itemsApi();
    server = api.server;
    const check = HttpCheck.parse({ ...lifecycle, capture: { id: "$.uuid" } });
    const r = await runHttpCheck(api.url, check);
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe("request 1 of 4: POST /items: capture id: $.uuid has no value in the answer.");
    expect(r.evidence).toHaveLength(1);
  });

  it("fails a request that uses a variable nobody captured, naming the variable", async () => {
    const api = await itemsApi();
    server = api.server;
    const check = HttpCheck.parse({ ...lifecycle, then: [{ method: "GET", path: "/items/{{itemId}}", expectStatus: 200 }] });
    const r = await runHttpCheck(api.url, check);
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe("request 2 of 2: GET /items/{{itemId}}: {{itemId}} was not captured by an earlier request (captured so far: id). Requests before it passed: POST /items -> 201.");
  });

  it("writes a captured value into a JSON body with its type, and into longer text as text", async () => {
    const api = await itemsApi();
    server = api.server;
    const check = HttpCheck.parse({
      id: "child", kind: "http", description: "a child item names its parent", method: "POST", path: "/items", body: { title: "Parent" }, expectStatus: 201, capture: { pid: "$.id", ptitle: "$.title" },
      then: [{ method: "POST", path: "/items", body: { title: "child of {{ptitle}} #{{pid}}", parent: "{{pid}}" }, expectStatus: 201, json: [{ path: "$.parent", equals: 1 }, { path: "$.title", equals: "child of Parent #1" }], expectBodyContains: ["{{ptitle}}"] }],
    });
    const r = await runHttpCheck(api.url, check);
    expect(r.passed, r.feedback).toBe(true);
  });
});
