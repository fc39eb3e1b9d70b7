import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpCheck } from "@harness/contracts";
import { runHttpCheck } from "./http.js";
import { productUrl } from "./product-url.js";

const servers: Server[] = [];
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("product URLs", () => {
  afterEach(async () => { await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r)))); });

  it("refuses a path that names another host, however it is spelt", () => {
    const base = "http://127.0.0.1:4000";
    for (const path of ["//127.0.0.1:4222/x", "/\\127.0.0.1:4222/x", "/\\/evil", "http://169.254.169.254/", "x"]) {
      expect(() => productUrl(base, path), path).toThrow(/does not address the product/);
    }
    expect(productUrl(base, "/api/items?x=//y").toString()).toBe("http://127.0.0.1:4000/api/items?x=//y");
  });

  it("does not pass a check on another service's answer named by a //host:port path", async () => {
    const hits: string[] = [];
    const other = await serve((req, res) => { hits.push(req.url ?? ""); res.writeHead(200, { "content-type": "application/json" }); res.end('{"text":"Buy milk"}'); });
    const product = await serve((_req, res) => { res.writeHead(500); res.end(); });
    const path = `//${new URL(other).host}/api/notes`;
    const fields = { id: "s", kind: "http", description: "reads", path, expectStatus: 200, json: [{ path: "$.text", equals: "Buy milk" }] };
    // The schema refuses it; the runner refuses it too, for a check that never met the schema.
    expect(HttpCheck.safeParse(fields).success).toBe(false);
    const check: HttpCheck = { ...HttpCheck.parse({ ...fields, path: "/api/notes" }), path };
    const r = await runHttpCheck(product, check);
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain("does not address the product");
    expect(hits).toEqual([]);
  });

  it("refuses a redirect off the product and follows one on it", async () => {
    const hits: string[] = [];
    const other = await serve((req, res) => { hits.push(req.url ?? ""); res.writeHead(200); res.end("secret"); });
    const product = await serve((req, res) => {
      if (req.url === "/away") { res.writeHead(302, { location: `${other}/meta` }); res.end(); return; }
      if (req.url === "/old") { res.writeHead(301, { location: "/new" }); res.end(); return; }
      res.writeHead(200); res.end(`at ${req.url}`);
    });
    const away = await runHttpCheck(product, HttpCheck.parse({ id: "a", kind: "http", description: "a", path: "/away", expectStatus: 200, expectBodyContains: ["secret"] }));
    expect(away.passed).toBe(false);
    expect(away.feedback).toContain("does not address the product");
    expect(hits).toEqual([]);
    const moved = await runHttpCheck(product, HttpCheck.parse({ id: "m", kind: "http", description: "m", path: "/old", expectStatus: 200, expectBodyContains: ["at /new"] }));
    expect(moved.passed, moved.feedback).toBe(true);
  });
});
