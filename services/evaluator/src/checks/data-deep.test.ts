import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataCheck, HttpCheck, SprintContract } from "@harness/contracts";
import { runAppChecks } from "../app-checks.js";
import { runDataCheck } from "./data.js";
import { runHttpCheck } from "./http.js";
import { MAX_JSON_DEPTH } from "./json-assert.js";

/*
 * JSON a million levels deep parses, then throws RangeError out of every recursive walk of the
 * assertions. Before, that escaped runDataCheck: the evaluation was redelivered until the run
 * failed with work_failed, no verdict. It is the product's data: the check fails with a reason.
 */

const DEEP = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
const data = (json: DataCheck["json"]) => DataCheck.parse({ id: "stored", kind: "data", description: "d", deliverableIds: ["D1"], file: "data/notes.json", format: "json", json });

describe("deeply nested JSON from the product fails its check with a reason", () => {
  let dir: string;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "data-deep-"));
    await mkdir(join(dir, "data"));
    await writeFile(join(dir, "data/notes.json"), DEEP);
    server = createServer((_req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(DEEP); });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a data check on a stored file nested a million deep fails naming the depth, whatever its assertion", async () => {
    for (const json of [[{ path: "$[0]", equals: "Buy milk" }], [{ path: "$", contains: "Buy milk" }]]) {
      const r = await runDataCheck(dir, data(json));
      expect(r.passed).toBe(false);
      expect(r.feedback).toBe(`data in data/notes.json: data/notes.json is JSON nested more than ${MAX_JSON_DEPTH} levels deep, deeper than any data the product should store or answer; it is not judged`);
    }
  }, 30_000);

  it("the same file judged by runAppChecks gives a failed result, not an exception that fails the run", async () => {
    const contract = SprintContract.parse({ sprint: 1, summary: "s", deliverables: [{ id: "D1", description: "d", featureIds: ["F1"] }], checks: [data([{ path: "$[0]", equals: "Buy milk" }])] });
    const results = await runAppChecks({ artifacts: { put: () => Promise.reject(new Error("no artifacts here")) }, chromium: "unused" }, dir, contract, {}, () => undefined);
    expect(results.map((r) => [r.checkId, r.passed, r.feedback.includes("nested more than")])).toEqual([["stored", false, true]]);
  }, 30_000);

  it("an http answer nested a million deep fails with the depth as reason, not a misleading 'request failed'", async () => {
    const check = HttpCheck.parse({ id: "list", kind: "http", description: "d", deliverableIds: ["D1"], method: "GET", path: "/api/notes", expectStatus: 200, json: [{ path: "$[0]", equals: "Buy milk" }] });
    const r = await runHttpCheck(url, check);
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe(`GET /api/notes: body is JSON nested more than ${MAX_JSON_DEPTH} levels deep, deeper than any data the product should store or answer; it is not judged`);
  }, 30_000);

  it("JSON nested within the bound, with brackets inside strings, is still judged", async () => {
    await writeFile(join(dir, "data/notes.json"), `${"[".repeat(MAX_JSON_DEPTH - 1)}"Buy milk [[[{{{"${"]".repeat(MAX_JSON_DEPTH - 1)}`);
    const r = await runDataCheck(dir, data([{ path: "$", matches: "\\[\\[\"Buy milk \\[\\[\\[\\{\\{\\{\"\\]\\]" }]));
    expect(r.passed, r.feedback).toBe(true);
    await writeFile(join(dir, "data/notes.json"), DEEP);
  }, 30_000);
});
