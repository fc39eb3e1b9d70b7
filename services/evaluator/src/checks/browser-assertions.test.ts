import { createServer, type Server } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrowserCheck } from "@harness/contracts";
import { freePort } from "../app-checks.js";
import { launchBrowser, runBrowserCheck } from "./browser.js";

/**
 * A page that renders late, as real apps do: the list and the input's value arrive after 300 ms,
 * and the "Loading" banner goes away then. Assertions that do not wait would race it.
 */
const PAGE = `<!doctype html><html><body>
<div id="loading">Loading...</div>
<h1 id="title"></h1>
<input id="name" value="">
<ul id="list"></ul>
<script>
setTimeout(() => {
  document.getElementById("loading").remove();
  document.getElementById("title").textContent = "  Shopping list  ";
  document.getElementById("name").value = "Ada";
  document.getElementById("list").innerHTML = "<li>Milk (2)</li><li>Bread (1)</li>";
}, 300);
</script></body></html>`;

const CASES: Array<{ name: string; steps: unknown[]; failure?: string }> = [
  { name: "exact text waits for the render and ignores surrounding space", steps: [{ action: "expectText", selector: "#title", text: "Shopping list", exact: true }] },
  { name: "exact text fails on a longer text that merely contains it", steps: [{ action: "expectText", selector: "#title", text: "Shopping", exact: true }], failure: 'expected it to read exactly "Shopping"' },
  { name: "a text pattern holds once rendered", steps: [{ action: "expectTextMatches", selector: "#list li", pattern: "^Milk \\(\\d+\\)$" }] },
  { name: "a text pattern fails on other text", steps: [{ action: "expectTextMatches", selector: "#list li", pattern: "^Eggs" }], failure: 'has text "Milk (2)", expected it to match /^Eggs/' },
  { name: "an invalid text pattern fails the check with the reason", steps: [{ action: "expectTextMatches", selector: "#list li", pattern: "(Milk" }], failure: "Invalid regular expression" },
  { name: "an input's value holds once set", steps: [{ action: "expectValue", selector: "#name", value: "Ada" }] },
  { name: "an input's value fails when different", steps: [{ action: "expectValue", selector: "#name", value: "Grace" }], failure: '#name has value "Ada", expected "Grace"' },
  { name: "a value on no input fails saying so", steps: [{ action: "expectValue", selector: "#nothing", value: "x" }], failure: "#nothing matched no input" },
  { name: "hidden waits for the banner to go", steps: [{ action: "expectText", selector: "#list", text: "Milk" }, { action: "expectHidden", selector: "#loading" }] },
  { name: "hidden fails on an element that stays", steps: [{ action: "expectText", selector: "#list", text: "Milk" }, { action: "expectHidden", selector: "#title" }], failure: "step 3 of 3 failed: expectHidden {\"selector\":\"#title\"}: #title is still visible after 5000ms" },
  { name: "no-text waits for the loading text to go", steps: [{ action: "expectText", selector: "#list", text: "Bread" }, { action: "expectNoText", text: "Loading" }] },
  { name: "no-text fails on text that stays", steps: [{ action: "expectText", selector: "#list", text: "Bread" }, { action: "expectNoText", selector: "#list li", text: "Bread" }], failure: '#list li still contains "Bread"' },
];

describe("browser check assertions (web-first, real Chromium)", () => {
  let server: Server;
  let browser: Browser;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => { res.writeHead(200, { "content-type": "text/html" }); res.end(PAGE); });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${port}`;
    browser = await launchBrowser("/usr/bin/chromium");
  });
  afterAll(async () => {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.concurrent.each(CASES)("$name", async ({ steps, failure }) => {
    const check = BrowserCheck.parse({ id: "b", kind: "browser", description: "the list renders", steps: [{ action: "goto", path: "/" }, ...steps] });
    const { result } = await runBrowserCheck(browser, url, check);
    if (failure === undefined) expect(result.passed, result.feedback).toBe(true);
    else {
      expect(result.passed).toBe(false);
      expect(result.feedback).toContain(failure);
    }
  }, 30_000);
});
