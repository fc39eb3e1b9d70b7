import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpCheck } from "@harness/contracts";
import { freePort } from "../app-checks.js";
import { runHttpCheck } from "./http.js";

const ITEM = { id: 7, title: "Buy milk", tags: ["home", "urgent"], count: 3, done: false, owner: { name: "Ada" } };

/** Each assertion kind, once holding and once failing on the same answer. */
const CASES: Array<{ name: string; fields: Record<string, unknown>; failure?: string }> = [
  { name: "body not-contains holds", fields: { expectBodyNotContains: ["password"] } },
  { name: "body not-contains fails", fields: { expectBodyNotContains: ["milk"] }, failure: 'body contains "milk"' },
  { name: "body text contains fails", fields: { expectBody: [{ contains: "eggs" }] }, failure: 'body does not contain "eggs"' },
  { name: "body text notContains fails", fields: { expectBody: [{ notContains: "urgent" }] }, failure: 'body contains "urgent"' },
  { name: "body text equals holds", fields: { expectBody: [{ equals: JSON.stringify(ITEM) }] } },
  { name: "body text equals fails", fields: { expectBody: [{ equals: "{}" }] }, failure: "(expected exactly \"{}\")" },
  { name: "body text matches holds", fields: { expectBody: [{ matches: '"count":\\d+' }] } },
  { name: "body text matches fails", fields: { expectBody: [{ matches: '"count":"' }] }, failure: 'body does not match /"count":"/' },
  { name: "body text notMatches holds", fields: { expectBody: [{ notMatches: "error|exception" }] } },
  { name: "body text notMatches fails", fields: { expectBody: [{ notMatches: "Buy \\w+" }] }, failure: "body matches /Buy \\w+/" },
  { name: "json equals holds on an object, whatever its key order", fields: { json: [{ path: "$.owner", equals: { name: "Ada" } }] } },
  { name: "json equals fails", fields: { json: [{ path: "$.title", equals: "Buy eggs" }] }, failure: '$.title is "Buy milk" (expected "Buy eggs")' },
  { name: "json notEquals fails", fields: { json: [{ path: "$.done", notEquals: false }] }, failure: "$.done is false (expected anything else)" },
  { name: "json matches holds", fields: { json: [{ path: "$.title", matches: "^Buy " }] } },
  { name: "json matches fails", fields: { json: [{ path: "$.title", matches: "^Sell" }] }, failure: '$.title is "Buy milk" (expected it to match /^Sell/)' },
  { name: "json contains holds on an array", fields: { json: [{ path: "$.tags", contains: "urgent" }] } },
  { name: "json contains fails on an array", fields: { json: [{ path: "$.tags", contains: "work" }] }, failure: '$.tags is ["home","urgent"] (expected it to contain "work")' },
  { name: "json contains fails on a string", fields: { json: [{ path: "$.title", contains: "eggs" }] }, failure: '(expected it to contain "eggs")' },
  { name: "json notContains fails", fields: { json: [{ path: "$.tags", notContains: "home" }] }, failure: '(expected it not to contain "home")' },
  { name: "json notContains on a missing value fails rather than holds", fields: { json: [{ path: "$.labels", notContains: "x" }] }, failure: "$.labels is missing, not a string or an array" },
  { name: "json absent holds", fields: { json: [{ path: "$.password", absent: true }] } },
  { name: "json absent fails", fields: { json: [{ path: "$.owner.name", absent: true }] }, failure: '$.owner.name is "Ada" (expected no value)' },
  { name: "json exists fails", fields: { json: [{ path: "$.createdAt", exists: true }] }, failure: "$.createdAt has no value (expected one)" },
  { name: "json length and bounds hold", fields: { json: [{ path: "$.tags.length", equals: 2 }, { path: "$.count", gte: 3, lte: 3 }] } },
  { name: "json gte fails", fields: { json: [{ path: "$.count", gte: 4 }] }, failure: "$.count is 3 (expected at least 4)" },
  { name: "json lte fails", fields: { json: [{ path: "$.tags.length", lte: 1 }] }, failure: "$.tags.length is 2 (expected at most 1)" },
  { name: "json bound on a string fails", fields: { json: [{ path: "$.title", gte: 1 }] }, failure: '$.title is "Buy milk", not a number (expected at least 1)' },
  { name: "an invalid pattern in the contract fails the check with the reason", fields: { expectBody: [{ matches: "([a-z" }] }, failure: "invalid pattern /([a-z/ in the contract" },
  { name: "an invalid JSON pattern fails the check too", fields: { json: [{ path: "$.title", matches: "*milk" }] }, failure: "invalid pattern /*milk/ in the contract" },
];

describe("http check assertions", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify(ITEM)); });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(CASES)("$name", async ({ fields, failure }) => {
    const check = HttpCheck.parse({ id: "a", kind: "http", description: "reads the item", path: "/items/7", expectStatus: 200, ...fields });
    const r = await runHttpCheck(url, check);
    if (failure === undefined) expect(r.passed, r.feedback).toBe(true);
    else {
      expect(r.passed).toBe(false);
      expect(r.feedback).toContain(failure);
    }
  });
});
