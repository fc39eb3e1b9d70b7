import { createServer, type Server } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrowserCheck, Check, Feature, type BrowserStep } from "@harness/contracts";
import { freePort } from "../app-checks.js";
import { launchBrowser, runBrowserCheck } from "../checks/browser.js";
import { findingOf, Reproduction, reproductionProblems, type FindingReport } from "./guard.js";
import { ProductKnowledge } from "./knowledge.js";
import { controlOf } from "./replay.js";

/*
 * A CORRECT notes app was failed by confirmed findings whose expectation came from nowhere (the
 * adversarial review of issue 22, class 3). Each case below passed the guard, and was confirmed on
 * replay, before: a finding confirms only when its expectation comes from the spec or the contract
 * and a control shows a correct product can meet it.
 */
const FEATURES = [Feature.parse({ id: "F1", title: "Notes", userStory: "As a user I keep notes: GET /api/notes lists them, POST /api/notes adds one", acceptanceCriteria: ["a note can be added and is listed", "empty notes are refused with an error message"] })];
const CONTRACT = [
  Check.parse({ id: "adds", kind: "http", description: "d", method: "POST", path: "/api/notes", body: { text: "Buy milk" }, expectStatus: 201, then: [{ method: "GET", path: "/api/notes", expectStatus: 200, expectBodyContains: ["Buy milk"] }] }),
  Check.parse({ id: "refuses", kind: "http", description: "d", method: "POST", path: "/api/notes", body: { text: "" }, expectStatus: 400, expectBodyContains: ["required"] }),
];
const problemsOf = (reproduction: unknown, k = new ProductKnowledge(FEATURES, CONTRACT)) => {
  const report: FindingReport = { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse(reproduction) };
  return reproductionProblems(findingOf("explore-1", report), FEATURES, k).join("\n");
};
const ADD = (text: string): BrowserStep[] => [{ action: "fill", selector: "#note", value: text }, { action: "click", selector: "#add" }];

describe("exploratory findings that would fail a correct product are refused or discarded", () => {
  it("refuses an http status no spec or contract names, or one contradicting a reviewed check, and keeps the promised ones", () => {
    expect(problemsOf({ kind: "http", method: "GET", path: "/api/notes", expectStatus: 201 }, new ProductKnowledge(FEATURES))).toMatch(/expects status 201 for GET \/api\/notes, which neither the spec nor a contract check names/);
    expect(problemsOf({ kind: "http", method: "GET", path: "/api/notes", expectStatus: 201 })).toMatch(/expects status 201 for GET \/api\/notes, which neither the spec nor a contract check names for it \(the contract expects 200\)/);
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/notes", body: { text: "" }, expectStatus: 201 })).toMatch(/the reviewed check refuses sends the same POST \/api\/notes and expects 400, so expecting 201 contradicts the contract/);
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/notes", body: { text: "Tea" }, expectStatus: 201, expectBodyContains: ["Tea"] })).toBe("");
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/notes", body: { text: "   " }, expectStatus: 400 })).toBe("");
    expect(problemsOf({ kind: "http", method: "GET", path: "/api/notes", expectStatus: 200 })).toBe("");
  });

  it("gives an http reproduction with a negative final assertion a control: its last request alone on a fresh start", () => {
    const single = findingOf("e", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse({ kind: "http", method: "GET", path: "/api/notes", expectStatus: 200, expectBodyNotContains: ["["] }) }).check;
    expect(controlOf(single)).toMatchObject({ kind: "http", method: "GET", path: "/api/notes", expectBodyNotContains: ["["], then: [] });
    const seq = findingOf("e", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse({ kind: "http", method: "POST", path: "/api/notes", body: { text: "x" }, expectStatus: 201, then: [{ method: "GET", path: "/api/notes", expectStatus: 200, expectBody: [{ notContains: "secret" }] }] }) }).check;
    expect(controlOf(seq)).toMatchObject({ method: "GET", path: "/api/notes", body: undefined, then: [] });
    const captured = findingOf("e", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse({ kind: "http", method: "POST", path: "/api/notes", body: { text: "x" }, expectStatus: 201, capture: { id: "$.id" }, then: [{ method: "GET", path: "/api/notes/{{id}}", expectStatus: 200, expectBodyNotContains: ["y"] }] }) }).check;
    expect(controlOf(captured)).toBeUndefined();
  });

  it("refuses an invented browser count and an order of a list nobody promised", () => {
    const twoAdds: BrowserStep[] = [{ action: "goto", path: "/" }, ...ADD("Buy milk"), { action: "expectText", selector: "#notes li", text: "Buy milk", exact: false }, ...ADD("Eggs")];
    expect(problemsOf({ kind: "browser", steps: [...twoAdds, { action: "expectCount", selector: "#notes li", count: 3 }] })).toMatch(/expects 3 × #notes li after only 2 click\(s\)/);
    expect(problemsOf({ kind: "browser", steps: [...twoAdds, { action: "expectCount", selector: "#notes li", count: 2 }] })).toBe("");
    expect(problemsOf({ kind: "browser", steps: [...twoAdds, { action: "expectText", selector: "#notes li", text: "Eggs", exact: false }] })).toMatch(/assumes an order of the list the spec and the contract never promise/);
    const ordered = new ProductKnowledge([Feature.parse({ ...FEATURES[0]!, acceptanceCriteria: ["the newest note is listed first"] })], CONTRACT);
    expect(problemsOf({ kind: "browser", steps: [...twoAdds, { action: "expectText", selector: "#notes li", text: "Eggs", exact: false }] }, ordered)).toBe("");
  });

  it("refuses a final expectation that an input is empty unless the spec or contract says it is cleared", () => {
    const cleared: BrowserStep[] = [{ action: "goto", path: "/" }, ...ADD("Buy milk"), { action: "expectValue", selector: "#note", value: "" }];
    expect(problemsOf({ kind: "browser", steps: cleared })).toMatch(/expects #note to be empty, but neither the spec nor the contract says it is cleared or reset/);
    const promised = new ProductKnowledge([Feature.parse({ ...FEATURES[0]!, acceptanceCriteria: ["after adding, the input is cleared"] })], CONTRACT);
    expect(problemsOf({ kind: "browser", steps: cleared }, promised)).toBe("");
  });

  it("does not learn a route from an HTML answer: an SPA fallback answers misspelt paths too", () => {
    const k = new ProductKnowledge(FEATURES, CONTRACT);
    k.served("GET", "/api/note", 200, "text/html; charset=utf-8");
    k.served("GET", "/api/stats", 200, "application/json");
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/notes", body: { text: "Buy milk" }, expectStatus: 201, then: [{ method: "GET", path: "/api/note", expectStatus: 200, expectBodyContains: ["Buy milk"] }] }, k)).toMatch(/GET \/api\/note is not a route/);
    expect(problemsOf({ kind: "http", method: "GET", path: "/api/stats", expectStatus: 200 }, k)).toBe("");
  });
});

/** Refuses an empty note with 400 and shows why (what the spec asks); the Boom button throws. */
const PAGE = `<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
<form id=f><input id=note><button id=add>Add</button></form><p id=error></p><button id=boom>Boom</button>
<script>
document.getElementById('f').addEventListener('submit', async (e) => { e.preventDefault();
  const r = await fetch('/api/notes', { method: 'POST', headers: {'content-type':'application/json'}, body: JSON.stringify({ text: document.getElementById('note').value }) });
  if (!r.ok) document.getElementById('error').textContent = (await r.json()).error; });
document.getElementById('boom').onclick = () => { setTimeout(() => { throw new Error('kaboom'); }); };
</script></body></html>`;

describe("expectNoConsoleErrors counts the page's errors, not Chromium's line for a refused request (real Chromium)", () => {
  let server: Server;
  let browser: Browser;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/api/notes") { res.writeHead(400, { "content-type": "application/json" }); res.end(JSON.stringify({ error: "text is required" })); return; }
      res.writeHead(200, { "content-type": "text/html" }); res.end(PAGE);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${port}`;
    browser = await launchBrowser("/usr/bin/chromium");
  });
  afterAll(async () => {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("passes after a correct 400 refusal the page shows, and still fails on an uncaught exception", async () => {
    const refused = BrowserCheck.parse({ id: "r", kind: "browser", description: "d", steps: [{ action: "goto", path: "/" }, ...ADD(""), { action: "expectText", selector: "#error", text: "text is required" }, { action: "expectNoConsoleErrors" }] });
    const ok = await runBrowserCheck(browser, url, refused);
    expect(ok.result.passed, ok.result.feedback).toBe(true);
    // The refused request is still evidence of what the page did.
    expect(ok.result.evidence.some((e) => e.detail?.includes("POST /api/notes -> 400"))).toBe(true);
    const thrown = BrowserCheck.parse({ id: "t", kind: "browser", description: "d", steps: [{ action: "goto", path: "/" }, { action: "click", selector: "#boom" }, { action: "wait", ms: 300 }, { action: "expectNoConsoleErrors" }] });
    const bad = await runBrowserCheck(browser, url, thrown);
    expect(bad.result.passed).toBe(false);
    expect(bad.result.feedback).toContain("uncaught: kaboom");
  }, 60_000);
});
