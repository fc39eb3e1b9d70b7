import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScriptedModel, type Rule, type Script, type ScriptedModel } from "@harness/scripted-model";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const SCREENSHOTS = process.env["DASHBOARD_SCREENSHOTS"] ?? mkdtempSync(join(tmpdir(), "harness-dashboard-"));

/** The tiny program with every model reply held back, so the run is live long enough to watch and pause. */
function slowed(script: Script, delayMs: number): Script {
  const rules = Array.isArray(script) ? script : script.rules;
  return rules.map((r): Rule => {
    const reply = r.reply;
    if (reply === undefined) return r;
    return { ...r, reply: typeof reply === "function" ? async (req, ctx) => ({ ...(await reply(req, ctx)), delayMs }) : { ...reply, delayMs } };
  });
}

describe("dashboard - a person watches and pauses a live run in Chromium", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    model = await startScriptedModel({ script: slowed(tinyProgramScript(), 400) });
    stack = await startStack({ modelUrl: model.url });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // The token a person would enter once in the dialog.
    // (The function runs in the page; this file is type-checked without the DOM lib.)
    await page.addInitScript((token) => { (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem("harness.token", token); }, stack.token);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await model?.close();
  });

  it("opens a live run, sees its timeline grow over SSE, clicks pause and sees the run paused", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    await page.goto(`${stack.apiUrl}/#/runs/${body.id}`);

    const items = page.locator("#timeline li");
    await items.first().waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator("#timeline-state").textContent(), { timeout: 10_000 }).toBe("live");
    const before = await items.count();
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBeGreaterThan(before + 1);
    // The page's state follows the events: the spec's features are on the board, and sprint 1's
    // verdict shows its criteria scored against their thresholds.
    await page.locator(".feature").first().waitFor({ timeout: 20_000 });
    await page.locator(".verdict .criteria tr").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".verdict .crit-score").first().textContent()).toMatch(/^\d+(\.\d+)?\/\d+(\.\d+)?$/);

    await page.locator('[data-action="pause"]').click();
    await page.locator('.run-head [data-status="paused"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator("#run-reason").textContent()).toBe("paused by operator");
    expect(await page.locator('[data-action="pause"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-action="resume"]').isEnabled()).toBe(true);
    expect((await api<{ status: string }>(stack, "GET", `/runs/${body.id}`)).body.status).toBe("paused");
    await expect.poll(() => page.locator('#timeline li[data-type="run.transition"]').last().textContent()).toContain("→ paused");
    await page.screenshot({ path: join(SCREENSHOTS, "run-paused.png"), fullPage: true });

    // The runs list shows it paused too.
    await page.goto(`${stack.apiUrl}/#/`);
    await page.locator(`tr[data-run="${body.id}"] [data-status="paused"]`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOTS, "runs.png") });

    // And the services page lists the four roles from their heartbeats.
    await page.goto(`${stack.apiUrl}/#/services`);
    await page.locator("table").first().waitFor();
    for (const role of ["supervisor", "planner", "generator", "evaluator"]) await page.getByRole("cell", { name: role }).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOTS, "services.png") });
  });
});
