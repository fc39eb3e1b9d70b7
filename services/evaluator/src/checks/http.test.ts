import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { HttpCheck } from "@harness/contracts";
import { freePort } from "../app-checks.js";
import { jsonPath, runHttpCheck } from "./http.js";

describe("http checks", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => { if (server) server.close(() => resolve()); else resolve(); }));

  it("reads dot and bracket JSON paths", () => {
    expect(jsonPath({ a: [{ b: 2 }] }, "a[0].b")).toBe(2);
    expect(jsonPath({ a: [{ b: 2 }] }, "$.a.0.b")).toBe(2);
    expect(jsonPath({ a: 1 }, "a.b.c")).toBeUndefined();
  });

  it("retries a refused connection right after readiness, and sends a POST exactly once", async () => {
    const port = await freePort();
    const received: string[] = [];
    // The app comes up a moment after the check starts, as a restarting server would.
    setTimeout(() => {
      server = createServer((req, res) => { received.push(`${req.method} ${req.url}`); res.writeHead(201, { "content-type": "application/json" }); res.end('{"id":1}'); });
      server.listen(port, "127.0.0.1");
    }, 300);
    const check = HttpCheck.parse({ id: "create", kind: "http", description: "creates", method: "POST", path: "/items", body: { a: 1 }, expectStatus: 201, expectJson: { id: 1 } });
    const r = await runHttpCheck(`http://127.0.0.1:${port}`, check);
    expect(r.passed, r.feedback).toBe(true);
    expect(received).toEqual(["POST /items"]);
  });

  it("names the status, header and JSON value that differ", async () => {
    const port = await freePort();
    server = createServer((_req, res) => { res.writeHead(200, { "content-type": "text/plain" }); res.end('{"done":false}'); });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    const check = HttpCheck.parse({ id: "t", kind: "http", description: "toggles", method: "POST", path: "/t", expectStatus: 201, expectHeaders: { "content-type": "json" }, expectJson: { done: true } });
    const r = await runHttpCheck(`http://127.0.0.1:${port}`, check);
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe('POST /t: status 200 (expected 201); header content-type is "text/plain" (expected to contain "json"); done is false (expected true)');
  });

  it("fails with the connection error when nothing ever listens", async () => {
    const port = await freePort();
    const r = await runHttpCheck(`http://127.0.0.1:${port}`, HttpCheck.parse({ id: "h", kind: "http", description: "health", path: "/health", expectStatus: 200 }));
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain("ECONNREFUSED");
  });
});
