import type { BrowserCheck, BrowserStep, CriterionResult, Evidence } from "@harness/contracts";
import { chromium, type Browser, type Page } from "playwright-core";

export interface Screenshot { name: string; checkId: string; png: Uint8Array }

/** Flags that keep headless Chromium off the (closed) network and working as root. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

export async function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

function describe(step: BrowserStep): string {
  const { action, ...rest } = step;
  return `${action} ${JSON.stringify(rest)}`;
}

async function runStep(page: Page, baseUrl: string, step: BrowserStep, consoleErrors: string[], shots: Screenshot[], checkId: string): Promise<void> {
  const timeout = 5_000;
  switch (step.action) {
    case "goto": await page.goto(new URL(step.path, baseUrl).toString(), { waitUntil: "load", timeout: 15_000 }); return;
    case "click": await page.locator(step.selector).first().click({ timeout }); return;
    case "fill": await page.locator(step.selector).first().fill(step.value, { timeout }); return;
    case "press": await page.locator(step.selector).first().press(step.key, { timeout }); return;
    case "select": await page.locator(step.selector).first().selectOption(step.value, { timeout }); return;
    case "wait": await page.waitForTimeout(step.ms); return;
    case "reload": await page.reload({ waitUntil: "load" }); return;
    case "expectVisible": await page.locator(step.selector).first().waitFor({ state: "visible", timeout }); return;
    case "expectText": {
      const loc = page.locator(step.selector).first();
      const deadline = Date.now() + timeout;
      let got = "";
      while (Date.now() < deadline) {
        got = (await loc.textContent({ timeout }).catch(() => null)) ?? "";
        if (got.includes(step.text)) return;
        await page.waitForTimeout(100);
      }
      throw new Error(`${step.selector} has text ${JSON.stringify(got.slice(0, 300))}, expected it to contain ${JSON.stringify(step.text)}`);
    }
    case "expectCount": {
      const deadline = Date.now() + timeout;
      let n = -1;
      while (Date.now() < deadline) {
        n = await page.locator(step.selector).count();
        if (n === step.count) return;
        await page.waitForTimeout(100);
      }
      throw new Error(`${step.selector} matched ${n} elements, expected ${step.count}`);
    }
    case "expectUrl": if (!page.url().includes(step.contains)) throw new Error(`URL is ${page.url()}, expected it to contain ${step.contains}`); return;
    case "expectNoConsoleErrors": if (consoleErrors.length > 0) throw new Error(`console errors: ${consoleErrors.slice(0, 5).join(" | ")}`); return;
    case "screenshot": shots.push({ name: step.name, checkId, png: await page.screenshot({ fullPage: true }) }); return;
  }
}

/** Drives one browser check in a fresh context; a failing step ends the check with a screenshot. */
export async function runBrowserCheck(browser: Browser, baseUrl: string, check: BrowserCheck): Promise<{ result: CriterionResult; screenshots: Screenshot[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  const shots: Screenshot[] = [];
  const evidence: Evidence[] = [];
  let failure: string | undefined;
  for (const [i, step] of check.steps.entries()) {
    try {
      await runStep(page, baseUrl, step, consoleErrors, shots, check.id);
    } catch (err) {
      failure = `step ${i + 1} (${describe(step)}) failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
      shots.push({ name: `failure-step-${i + 1}`, checkId: check.id, png: await page.screenshot({ fullPage: true }).catch(() => new Uint8Array()) });
      break;
    }
  }
  evidence.push({ kind: "note", summary: failure ?? `all ${check.steps.length} steps passed`, location: page.url() });
  if (consoleErrors.length > 0) evidence.push({ kind: "console", summary: `${consoleErrors.length} console error(s)`, detail: consoleErrors.slice(0, 20).join("\n") });
  await context.close();
  const passed = failure === undefined;
  return {
    result: { checkId: check.id, kind: "browser", description: check.description, score: passed ? 10 : 0, threshold: 10, passed, evidence, feedback: passed ? "passed" : failure! },
    screenshots: shots,
  };
}
