import type { BrowserCheck, BrowserStep, CriterionResult, Evidence } from "@harness/contracts";
import { scrubbedEnv } from "@harness/workspace";
import type { Browser, Page } from "playwright-core";
import { PageWatch } from "./page-watch.js";
import { withBoundedPatterns } from "./patterns.js";
import { onProduct, productUrl } from "./product-url.js";
import { textFailures } from "./text-assert.js";

export interface Screenshot { name: string; checkId: string; png: Uint8Array }

/** Flags that keep headless Chromium off the (closed) network and working as root. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];
const STEP_TIMEOUT_MS = 5_000;
const NAVIGATION_TIMEOUT_MS = 15_000;

export async function launchBrowser(executablePath: string): Promise<Browser> {
  // Loaded on first use: playwright-core adds ~85 MB to a process that may never drive a browser.
  const { chromium } = await import("playwright-core");
  // The service's own shutdown closes the browser (see BrowserSession): Playwright's signal
  // handlers would close it under a running check, and its SIGINT one even exits the process.
  // The product's pages run in it: it gets the environment a build command gets, not the
  // service's (Playwright passes process.env otherwise).
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, env: scrubbedEnv(), handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
}

export function describeStep(step: BrowserStep): string {
  const { action, ...rest } = step;
  return `${action} ${JSON.stringify(rest)}`;
}

/** A short label for the trace: what a person would write in reproduction steps. */
export function stepLabel(step: BrowserStep): string {
  switch (step.action) {
    case "goto": return `goto ${step.path}`;
    case "fill": return `fill ${step.selector} with ${JSON.stringify(step.value)}`;
    case "select": return `select ${JSON.stringify(step.value)} in ${step.selector}`;
    case "press": return `press ${step.key} in ${step.selector}`;
    case "wait": return `wait ${step.ms}ms`;
    case "expectText": return `expect ${step.selector} to ${step.exact ? "read exactly" : "contain"} ${JSON.stringify(step.text)}`;
    case "expectTextMatches": return `expect ${step.selector} to match /${step.pattern}/`;
    case "expectNoText": return `expect no ${step.selector} to contain ${JSON.stringify(step.text)}`;
    case "expectValue": return `expect ${step.selector} to have value ${JSON.stringify(step.value)}`;
    case "expectHidden": return `expect ${step.selector} to be hidden or gone`;
    case "expectCount": return `expect ${step.count} × ${step.selector}`;
    case "expectUrl": return `expect URL to contain ${step.contains}`;
    case "screenshot": return `screenshot ${step.name}`;
    case "click": case "expectVisible": return `${step.action} ${step.selector}`;
    case "reload": case "expectNoConsoleErrors": return step.action;
  }
}

/**
 * Polls until `ok` holds or the step times out; web apps update the DOM asynchronously. `read`
 * gets the time left: a read that waits for an element to appear may wait that long, so on a
 * loaded machine a slow read of a present element is not taken for a missing one.
 */
async function poll<T>(page: Page, read: (timeoutMs: number) => Promise<T>, ok: (v: T) => boolean): Promise<{ ok: boolean; last: T }> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  const left = () => Math.max(250, deadline - Date.now());
  let last = await read(left());
  while (!ok(last) && Date.now() < deadline) {
    await page.waitForTimeout(100);
    last = await read(left());
  }
  return { ok: ok(last), last };
}

/** Waits until the selector's first match has text for which `holds` is true. */
async function expectFirstText(page: Page, selector: string, holds: (t: string) => boolean, expected: string): Promise<void> {
  const loc = page.locator(selector).first();
  const r = await poll(page, async (timeout) => (await loc.textContent({ timeout }).catch(() => null)), (t) => t !== null && holds(t));
  if (r.last === null) throw new Error(`${selector} matched no element, expected one ${expected}`);
  if (!r.ok) throw new Error(`${selector} has text ${JSON.stringify(r.last.slice(0, 300))}, expected it ${expected}`);
}

async function runStep(page: Page, baseUrl: string, step: BrowserStep, watch: PageWatch, shots: Screenshot[], checkId: string): Promise<void> {
  const timeout = STEP_TIMEOUT_MS;
  switch (step.action) {
    case "goto":
      await page.goto(productUrl(baseUrl, step.path).toString(), { waitUntil: "load", timeout: NAVIGATION_TIMEOUT_MS });
      // A redirect off the product would make the rest of the check judge another site.
      if (!onProduct(baseUrl, page.url())) throw new Error(`goto ${step.path} led off the product to ${page.url()}`);
      return;
    case "click": await page.locator(step.selector).first().click({ timeout }); return;
    case "fill": await page.locator(step.selector).first().fill(step.value, { timeout }); return;
    case "press": await page.locator(step.selector).first().press(step.key, { timeout }); return;
    case "select": await page.locator(step.selector).first().selectOption(step.value, { timeout }); return;
    case "wait": await page.waitForTimeout(step.ms); return;
    case "reload": await page.reload({ waitUntil: "load", timeout: NAVIGATION_TIMEOUT_MS }); return;
    case "expectVisible": await page.locator(step.selector).first().waitFor({ state: "visible", timeout }); return;
    case "expectText": {
      const holds = (t: string) => (step.exact ? t.trim() === step.text.trim() : t.includes(step.text));
      await expectFirstText(page, step.selector, holds, `${step.exact ? "to read exactly" : "to contain"} ${JSON.stringify(step.text)}`);
      return;
    }
    case "expectTextMatches": {
      // Tried in the bounded worker (patterns.ts) as every other contract pattern: one that runs
      // over fails the step, it never hangs the evaluator.
      const loc = page.locator(step.selector).first();
      const read = async (timeout: number) => {
        const text = await loc.textContent({ timeout }).catch(() => null);
        return { text, ok: text !== null && await withBoundedPatterns(checkId, (m) => textFailures({ matches: step.pattern }, text, "text", m)).then((f) => (f.length === 0 ? true : f.some((x) => x.startsWith("text does not match")) ? false : f.join("; "))) };
      };
      const r = await poll(page, read, (v) => v.ok !== false);
      if (typeof r.last.ok === "string") throw new Error(r.last.ok);
      if (r.last.text === null) throw new Error(`${step.selector} matched no element, expected one to match /${step.pattern}/`);
      if (!r.ok) throw new Error(`${step.selector} has text ${JSON.stringify(r.last.text.slice(0, 300))}, expected it to match /${step.pattern}/`);
      return;
    }
    case "expectNoText": {
      const texts = () => page.locator(step.selector).allTextContents().catch(() => [] as string[]);
      const r = await poll(page, texts, (all) => !all.some((t) => t.includes(step.text)));
      if (!r.ok) throw new Error(`${step.selector} still contains ${JSON.stringify(step.text)}`);
      return;
    }
    case "expectValue": {
      const loc = page.locator(step.selector).first();
      const r = await poll(page, async (timeout) => (await loc.inputValue({ timeout }).catch(() => null)), (v) => v === step.value);
      if (r.last === null) throw new Error(`${step.selector} matched no input, expected one with value ${JSON.stringify(step.value)}`);
      if (!r.ok) throw new Error(`${step.selector} has value ${JSON.stringify(r.last.slice(0, 300))}, expected ${JSON.stringify(step.value)}`);
      return;
    }
    case "expectHidden": {
      const loc = page.locator(step.selector).first();
      const r = await poll(page, () => loc.isVisible().catch(() => false), (visible) => !visible);
      if (!r.ok) throw new Error(`${step.selector} is still visible after ${STEP_TIMEOUT_MS}ms, expected it hidden or gone`);
      return;
    }
    case "expectCount": {
      const r = await poll(page, () => page.locator(step.selector).count(), (n) => n === step.count);
      if (!r.ok) throw new Error(`${step.selector} matched ${r.last} elements, expected ${step.count}`);
      return;
    }
    case "expectUrl": {
      const r = await poll(page, async () => page.url(), (u) => u.includes(step.contains));
      if (!r.ok) throw new Error(`URL is ${r.last}, expected it to contain ${step.contains}`);
      return;
    }
    case "expectNoConsoleErrors": if (watch.consoleErrors.length > 0) throw new Error(`console errors: ${watch.consoleErrors.slice(0, 5).join(" | ")}`); return;
    case "screenshot": shots.push({ name: step.name, checkId, png: await page.screenshot({ fullPage: true }) }); return;
  }
}

/**
 * Drives one browser check in a fresh context; a failing step ends the check with a screenshot.
 * The feedback names the failing step and the steps that led to it, so it reads as a reproduction.
 */
export async function runBrowserCheck(browser: Browser, baseUrl: string, check: BrowserCheck): Promise<{ result: CriterionResult; screenshots: Screenshot[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watch = new PageWatch(page, baseUrl);
  const shots: Screenshot[] = [];
  const trace: string[] = [];
  let failure: string | undefined;
  for (const [i, step] of check.steps.entries()) {
    try {
      await runStep(page, baseUrl, step, watch, shots, check.id);
      trace.push(`${i + 1}. ok    ${stepLabel(step)}`);
    } catch (err) {
      const why = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
      trace.push(`${i + 1}. FAIL  ${stepLabel(step)}: ${why}`);
      const before = check.steps.slice(0, i).map(stepLabel);
      failure = `step ${i + 1} of ${check.steps.length} failed: ${describeStep(step)}: ${why}.${before.length > 0 ? ` Steps 1-${i} passed: ${before.join(", ")}.` : ""}`;
      shots.push({ name: `failure-step-${i + 1}`, checkId: check.id, png: await page.screenshot({ fullPage: true }).catch(() => new Uint8Array()) });
      break;
    }
  }
  const evidence: Evidence[] = [{ kind: "note", summary: failure ?? `all ${check.steps.length} steps passed`, detail: trace.join("\n"), location: page.url() }];
  evidence.push(...watch.evidence());
  await context.close().catch(() => undefined);
  const passed = failure === undefined;
  const problems = failure === undefined ? "" : watch.hint();
  return {
    result: { checkId: check.id, kind: "browser", description: check.description, score: passed ? 10 : 0, threshold: 10, passed, evidence, feedback: passed ? "passed" : `${failure}${problems}` },
    screenshots: shots,
  };
}
