import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { startScriptedModel, type Rule, type Script, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyContract, tinyProgramScript, tinySpec } from "./support/tiny-program.js";

/**
 * Screenshots are evidence for people, not assertions: the page redraws live, so an element can
 * be replaced while it is captured. Retry a few times, then fall back to the whole page.
 */
async function shoot(page: Page, selector: string, path: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    try { await page.locator(selector).screenshot({ path, timeout: 5_000 }); return; } catch { await page.waitForTimeout(200); }
  }
  await page.screenshot({ path, fullPage: true });
}

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const SCREENSHOTS = process.env["DASHBOARD_SCREENSHOTS"] ?? mkdtempSync(join(tmpdir(), "harness-dashboard-"));

const COMMENTS = "Please add multiplication as its own feature, and say the tests run with node.";

/** Version 2 of the reviewed spec: multiplication added, addition's criteria and the overview sharpened. */
function revisedSpec() {
  const spec = tinySpec("Calc v2", 2);
  return {
    ...spec,
    overview: "A small arithmetic library with its own test suite, run with node.",
    features: spec.features.map((f) => (f.id === "F1" ? { ...f, acceptanceCriteria: [...f.acceptanceCriteria, "add(-1,1) returns 0"] } : f)),
  };
}

const CONTRACT_COMMENTS = "Also prove that add handles negative numbers: add(-1, 1) returns 0.";

/** Round 2 of sprint 1's contract, as the generator writes it from the reviewer's change request. */
function revisedContract() {
  const contract = tinyContract(1);
  return {
    ...contract, summary: "add() with tests, negative numbers included",
    checks: [...contract.checks, {
      ...contract.checks[0]!, id: "negatives", description: "add(-1, 1) returns 0", command: "node -e \"console.log(require('./lib.js').add(-1, 1))\"",
      criterionIds: ["F1.1"], expectOutput: [{ stream: "stdout" as const, equals: "0" }],
    }],
  };
}

/** The tiny program with every model reply held back, so the run is live long enough to watch and pause. */
function slowed(script: Script, delayMs: number): Rule[] {
  const rules = Array.isArray(script) ? script : script.rules;
  return rules.map((r): Rule => {
    const reply = r.reply;
    if (reply === undefined) return r;
    return { ...r, reply: typeof reply === "function" ? async (req, ctx) => ({ ...(await reply(req, ctx)), delayMs }) : { ...reply, delayMs } };
  });
}

describe("dashboard - a person watches and pauses a live run in Chromium, on a supervisor that guards reads", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    model = await startScriptedModel({
      script: [
        // The spec gate: version 1, then version 2 when the reviewer's comments reach the planner.
        { name: "plan-revised", match: { role: "planner", contains: COMMENTS }, reply: { toolUse: [{ name: "submit_spec", input: revisedSpec() }], delayMs: 1_500 } },
        { name: "plan-gated", match: { role: "planner", contains: "reviewed spec" }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec("Calc v1", 1) }] } },
        // The contract gate: round 2 answers the reviewer's change request.
        { name: "contract-revised", match: { role: "generator", toolChoice: "propose_contract", contains: CONTRACT_COMMENTS }, reply: { toolUse: [{ name: "propose_contract", input: revisedContract() }], delayMs: 1_500 } },
        ...slowed(tinyProgramScript(), 400),
      ],
    });
    // Reads guarded too, so every request the page makes (lists, the live stream, artifacts) must carry the token.
    stack = await startStack({ modelUrl: model.url, env: { SUPERVISOR_READ_AUTH: "true" } });
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
    // Screenshots are kept where DASHBOARD_SCREENSHOTS points; a temp folder of them is not left behind.
    if (!process.env["DASHBOARD_SCREENSHOTS"]) rmSync(SCREENSHOTS, { recursive: true, force: true });
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
    expect(await page.locator(".verdict .crit-score").first().textContent()).toMatch(/^\d+(\.\d+)? · min \d+(\.\d+)?$/);

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

  it("keeps the page a person went to when the runs list's poll answers after they left it", async () => {
    await page.goto(`${stack.apiUrl}/#/`);
    await page.locator("tr[data-run]").first().waitFor({ timeout: 10_000 });
    // The list's next poll is held until the person is on the services page.
    let release = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    let polled = () => {};
    const asked = new Promise<void>((resolve) => { polled = resolve; });
    await page.route("**/runs?limit=100*", async (route) => { polled(); await held; await route.continue().catch(() => {}); });
    try {
      await asked;
      await page.evaluate(() => { (globalThis as unknown as { location: { hash: string } }).location.hash = "#/services"; });
      await page.getByRole("cell", { name: "generator" }).first().waitFor({ timeout: 10_000 });
      const answered = page.waitForResponse((res) => res.url().includes("/runs?limit=100"));
      release();
      await answered;
      // Time for the answered poll to draw, had it still been allowed to.
      await page.waitForTimeout(500);
      expect(await page.locator("tr[data-run]").count()).toBe(0);
      expect(await page.getByRole("cell", { name: "generator" }).count()).toBeGreaterThan(0);
      expect(page.url()).toMatch(/#\/services$/);
    } finally {
      release();
      await page.unroute("**/runs?limit=100*");
    }
  });

  it("tries a page that could not load for a passing reason (a 503 while NATS is away) again on its own", async () => {
    let refused = 0;
    await page.route("**/runs?limit=100*", async (route) => {
      if (refused++ === 0) {
        await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: "SUP_ERR_UNAVAILABLE", message: "the run store could not be read; try again", statusCode: 503 }) });
      } else await route.continue();
    });
    try {
      await page.goto(`${stack.apiUrl}/#/`);
      await page.locator(".card.error", { hasText: "Trying again" }).waitFor({ timeout: 10_000 });
      await page.locator("tr[data-run]").first().waitFor({ timeout: 10_000 });
      expect(await page.locator(".card.error").count()).toBe(0);
    } finally {
      await page.unroute("**/runs?limit=100*");
    }
  });

  it("asks a browser without the token for it, loads the page once it is given, downloads a snapshot with it, and picks the live stream up again after the supervisor restarts", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library, its snapshot downloaded" });
    type View = { sprints: Array<{ attempts: Array<{ build?: { artifact: { name: string } } }> }> };
    await expect.poll(async () => (await api<View>(stack, "GET", `/runs/${body.id}`)).body.sprints[0]?.attempts[0]?.build?.artifact.name ?? "", { timeout: 30_000 }).toMatch(/^sha256-/);
    await api(stack, "POST", `/runs/${body.id}/pause`, {});

    const fresh = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    try {
      const p = await fresh.newPage();
      await p.goto(`${stack.apiUrl}/#/runs/${body.id}`);
      await p.locator("#token-dialog[open]").waitFor({ timeout: 10_000 });
      expect(await p.locator(".card.error").textContent()).toContain("Could not load this page");
      // A wrong token is refused, and the page says so.
      await p.locator("#token-input").fill("not-the-token-0123456789");
      await p.locator("#token-save").click();
      await p.locator("#token-dialog[open]").waitFor({ timeout: 10_000 });
      await expect.poll(() => p.locator("#token-btn").textContent()).toBe("Token ✗");
      await p.locator("#token-input").fill(stack.token);
      await p.locator("#token-save").click();
      await expect.poll(() => p.locator("#token-btn").textContent()).toBe("Token ✓");
      await p.locator(".run-head").waitFor({ timeout: 10_000 });
      await expect.poll(() => p.locator("#timeline-state").textContent(), { timeout: 10_000 }).toBe("live");
      await expect.poll(() => p.locator("#timeline li").count(), { timeout: 10_000 }).toBeGreaterThan(3);

      // A plain link could not carry the token: the page fetches the snapshot with it and hands it over as a download.
      const link = p.locator(".attempt-head a").first();
      const [download] = await Promise.all([p.waitForEvent("download", { timeout: 10_000 }), link.click()]);
      expect(download.suggestedFilename()).toBe(`${body.id}-sprint-1-attempt-1.tar.gz`);
      const bytes = gunzipSync(readFileSync(await download.path()));
      expect(bytes.subarray(257, 262).toString("latin1")).toBe("ustar");

      // The supervisor restarts: the stream says so, comes back on its own with the token, and
      // resumes where it left off (no event shown twice), then shows what happens next.
      const supervisor = stack.services.find((s) => s.name === "supervisor")!;
      const port = new URL(stack.apiUrl).port;
      await stack.kill(supervisor);
      await expect.poll(() => p.locator("#timeline-state").textContent(), { timeout: 10_000 }).toBe("reconnecting…");
      await stack.start("supervisor", { SUPERVISOR_PORT: port });
      await expect.poll(() => p.locator("#timeline-state").textContent(), { timeout: 15_000 }).toBe("live");
      await api(stack, "POST", `/runs/${body.id}/resume`, {});
      await p.locator('#timeline li[data-type="run.transition"]', { hasText: "→ running" }).last().waitFor({ timeout: 10_000 });
      const seqs = await p.locator("#timeline li").evaluateAll((els) => els.map((el) => el.getAttribute("data-seq")));
      expect(new Set(seqs).size).toBe(seqs.length);

      // Saving the token on a page that loaded keeps the page (and anything typed in it) as it is.
      await p.locator("#timeline li").first().evaluate((el) => el.setAttribute("data-marker", "kept"));
      await p.locator("#token-btn").click();
      await p.locator("#token-save").click();
      await p.waitForTimeout(500);
      expect(await p.locator('#timeline li[data-marker="kept"]').count()).toBe(1);

      // Once the run has finished, the page offers no steering.
      await api(stack, "POST", `/runs/${body.id}/cancel`, {});
      await p.locator('.run-head [data-status="cancelled"]').waitFor({ timeout: 10_000 });
      expect(await p.locator(".run-head .controls").count()).toBe(0);

      // A mistyped token is refused as it is saved, not at the next action; the page stays.
      await p.locator("#token-btn").click();
      await p.locator("#token-input").fill("mistyped-token-0123456789");
      await p.locator("#token-save").click();
      await expect.poll(() => p.locator("#token-btn").textContent()).toBe("Token ✗");
      await p.locator("#token-dialog[open]").waitFor({ timeout: 10_000 });
      expect(await p.locator('#timeline li[data-marker="kept"]').count()).toBe(1);
    } finally {
      await fresh.close();
      await api(stack, "POST", `/runs/${body.id}/cancel`, {});
    }
  });

  it("resumes a run paused on its budget from the page, with a higher cost limit", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", {
      prompt: "A calculator library with add and multiply", options: { budget: { maxCostUsd: 0.0001 }, onBudgetExceeded: "pause" },
    });
    await page.goto(`${stack.apiUrl}/#/runs/${body.id}`);
    await page.locator('.run-head [data-status="paused"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator("#run-reason").textContent()).toMatch(/^cost budget exceeded/);
    const cost = page.locator('#budget-form input[name="maxCostUsd"]');
    expect(await cost.inputValue()).toBe("0.0001");
    await cost.fill("50");
    await page.screenshot({ path: join(SCREENSHOTS, "run-budget-paused.png"), fullPage: true });
    await page.locator('[data-action="resume-budget"]').click();
    const resumed = await waitFor(async () => {
      const r = (await api<{ status: string; options: { budget: { maxCostUsd: number; maxTokens: number } } }>(stack, "GET", `/runs/${body.id}`)).body;
      return r.status !== "paused" ? r : undefined;
    }, { timeoutMs: 15_000, what: "the run to leave its budget pause" });
    // Only the limit that was changed is sent: the others keep the run's own.
    expect(resumed.options.budget).toMatchObject({ maxCostUsd: 50, maxTokens: 20_000_000 });
    await page.locator('#timeline li[data-type="run.transition"]', { hasText: "budget now $50" }).first().waitFor({ timeout: 10_000 });
  });

  it("shows each feature's criteria with their latest evidence, regressions included, and the final acceptance with its verdict and cost", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    await waitFor(async () => ((await api<{ status: string }>(stack, "GET", `/runs/${body.id}`)).body.status === "completed" ? true : undefined), { timeoutMs: 120_000, what: "the run to complete" });
    await page.goto(`${stack.apiUrl}/#/runs/${body.id}`);
    // F1 was sprint 1's: its latest evidence is sprint 1's check re-run by the final acceptance.
    const f1 = page.locator('.feature[data-feature="F1"] [data-criterion="F1.1"]');
    await f1.waitFor({ timeout: 15_000 });
    expect(await f1.getAttribute("class")).toContain("ac-pass");
    // The board fills in as the run's events replay: wait for the final acceptance's evidence.
    await expect.poll(() => f1.textContent(), { timeout: 15_000 }).toContain("final acceptance · attempt 1");
    const f1Text = await f1.textContent();
    for (const part of ["add(2,3) returns 5", "regression", "s1:unit-tests", "final acceptance · attempt 1", "from sprint 1"]) expect(f1Text).toContain(part);
    const f2 = page.locator('.feature[data-feature="F2"] [data-criterion="F2.1"]');
    await expect.poll(() => f2.textContent(), { timeout: 15_000 }).toContain("final acceptance · attempt 1");
    const f2Text = await f2.textContent();
    expect(f2Text).not.toContain("regression");
    // The final acceptance: passed, its verdict's criteria, what it cost.
    const final = page.locator('#final-acceptance[data-status="passed"]');
    await final.waitFor({ timeout: 10_000 });
    expect(await final.locator(".verdict-head").first().textContent()).toContain("PASS");
    expect(await final.locator(".verdict .criteria tr").count()).toBe(2);
    // A regression's row says "regression" once, then where the check came from.
    const labels = await final.locator(".verdict .criteria .crit-label").allTextContents();
    expect(labels).toContainEqual(expect.stringMatching(/^regression sprint 1's accepted check unit-tests: \S/));
    for (const label of labels) expect(label).not.toMatch(/\b(\w+) \1\b/);
    expect(await final.locator(".final-cost").textContent()).toMatch(/^1 attempt of at most 2 · \$\d/);
    await shoot(page, ".board", join(SCREENSHOTS, "feature-board.png"));
  });

  it("reviews a gated spec: requests changes with comments, sees version 2 and what changed from version 1", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library (reviewed spec)", options: { gates: { approveSpec: true, approveContracts: false } } });
    // The runs list says which run waits for a person, and for what.
    await page.goto(`${stack.apiUrl}/#/`);
    await expect.poll(() => page.locator(`tr[data-run="${body.id}"] .gate-wait`).textContent().catch(() => ""), { timeout: 20_000 }).toBe("Waits for your approval of the spec");
    // In place of the last transition's reason, which says less ("run requested").
    expect(await page.locator(`tr[data-run="${body.id}"] .clip`).count()).toBe(0);
    await page.goto(`${stack.apiUrl}/#/runs/${body.id}`);
    const comments = page.locator("#spec-comments");
    const revise = page.locator('[data-action="revise"]');
    const error = page.locator("#spec-review-error");
    await revise.waitFor({ timeout: 20_000 });
    expect(await page.locator(".spec-version").count()).toBe(1);
    expect(await page.locator(".spec-full").textContent()).toContain("Addition");

    // Refusals are shown where the person typed: the API's own 400, and a 409 (the run moved on).
    await comments.fill("   ");
    await revise.click();
    await expect.poll(() => error.textContent()).toMatch(/^400 Bad request .*comments must not be empty/);
    await page.route("**/spec/revise", (route) => route.fulfill({
      status: 409, contentType: "application/json",
      body: JSON.stringify({ error: "SUP_ERR_CONFLICT", message: `run ${body.id} is not waiting for spec approval (it waits for contract)`, statusCode: 409 }),
    }), { times: 1 });
    await comments.fill(COMMENTS);
    await revise.click();
    await expect.poll(() => error.textContent()).toMatch(/^409 Conflict run .* is not waiting for spec approval/);
    await shoot(page, "#spec-review", join(SCREENSHOTS, "spec-error.png"));
    expect(await comments.inputValue()).toBe(COMMENTS); // nothing typed is lost to an error

    await revise.click();
    // While the planner works (its reply is held back a moment) the box says so, quoting the comments.
    await expect.poll(() => page.locator(".run-meta").textContent()).toContain("waiting for planner writing the spec");
    expect(await page.locator("#spec-review.review-wait").textContent()).toContain(COMMENTS);
    await shoot(page, "#spec-review", join(SCREENSHOTS, "spec-revising.png"));
    await page.locator('.spec-version[data-version="2"]').waitFor({ timeout: 20_000 });

    // Version 2 is shown as its changes from version 1, and says which comments it answers.
    const diff = page.locator('.spec-diff[data-from="1"][data-to="2"]');
    await diff.waitFor();
    expect(await page.locator(".spec-asked").textContent()).toContain(COMMENTS);
    const added = diff.locator('.dfeat-added[data-feature="F2"]');
    expect(await added.textContent()).toContain("Multiplication");
    expect(await added.locator(".dl-add").textContent()).toContain("multiply(3,4) returns 12");
    expect(await diff.locator('.dfeat-changed[data-feature="F1"] .dl-add').textContent()).toContain("add(-1,1) returns 0");
    expect(await diff.locator('[data-part="sprints"] .dl-add').textContent()).toContain("Sprint 2: multiplication works and is tested [F2]");
    expect(await diff.locator('[data-part="overview"] .dl-del del').allTextContents()).toEqual(["suite."]);
    expect(await diff.locator('[data-part="overview"] .dl-add ins').allTextContents()).toEqual(["suite, run with node."]);
    expect(await diff.locator(".diff-summary").textContent()).toContain("+1 feature");
    expect(await page.locator('[data-action="approve-spec"]').textContent()).toBe("Approve v2");
    await shoot(page, "#spec", join(SCREENSHOTS, "spec-diff.png"));
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path: join(SCREENSHOTS, "spec-review.png"), fullPage: true });

    // Any version can be read whole.
    await page.locator('.spec-version[data-version="1"]').click();
    expect(await page.locator(".spec-full").textContent()).toContain("Addition");
    expect(await page.locator(".spec-full").textContent()).not.toContain("Multiplication");
    await shoot(page, "#spec", join(SCREENSHOTS, "spec-v1.png"));

    // The line diff itself, in the page: a longest common subsequence, deletions before additions.
    const ops = await page.evaluate<string>(`import("/dashboard/ui.js").then(({ diffLines }) => diffLines(["a", "b", "c", "d", "e"], ["a", "c", "x", "y", "e"]).map((o) => o.op + ":" + o.text).join(" "))`);
    expect(ops).toBe("same:a del:b same:c del:d add:x add:y same:e");

    await page.locator('[data-action="approve-spec"]').click();
    await expect.poll(async () => (await api<{ waitingFor: string }>(stack, "GET", `/runs/${body.id}`)).body.waitingFor, { timeout: 10_000 }).not.toBe("spec_approval");
    await page.locator("#spec-review").waitFor({ state: "detached", timeout: 10_000 });
    await api(stack, "POST", `/runs/${body.id}/cancel`, {});
  });
  it("reviews a gated contract: sees the sprint's contract, keeps what is typed across re-renders, shows a 409 inline, requests changes, approves round 2", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library (reviewed contract)", options: { gates: { approveSpec: false, approveContracts: true } } });
    await page.goto(`${stack.apiUrl}/#/runs/${body.id}`);
    const card = page.locator("#contract");
    const comments = page.locator("#contract-comments");
    const revise = page.locator('[data-action="revise-contract"]');
    const approve = page.locator('[data-action="approve-contract"]');
    const error = page.locator("#contract-review-error");
    await revise.waitFor({ timeout: 20_000 });

    // The current sprint's contract as the evaluator agreed to it: summary, deliverables, checks.
    expect(await card.locator(".contract-top").textContent()).toContain("round 1 · 1 check");
    expect(await card.locator(".contract-body .prose").textContent()).toBe("add() with tests");
    expect(await card.locator('[data-deliverable="D1"]').textContent()).toContain("add(a, b) in lib.js");
    expect(await card.locator(".contract-body .checks li").last().textContent()).toContain("unit-tests — the library's own tests pass");
    expect(await card.locator(".contract-body").textContent()).toContain("Round 1: approved");

    // A live re-render (the run is paused meanwhile) keeps the box's focus, caret and text; a paused
    // run cannot be approved, here or in the header.
    await comments.fill("Also prove negatives");
    await comments.evaluate((el) => { (el as unknown as { setSelectionRange(a: number, b: number): void }).setSelectionRange(5, 5); });
    expect((await api(stack, "POST", `/runs/${body.id}/pause`, {})).status).toBe(202);
    await page.locator("#contract-paused").waitFor({ timeout: 10_000 });
    expect(await page.evaluate("[document.activeElement?.id, document.activeElement?.selectionStart]")).toEqual(["contract-comments", 5]);
    expect(await comments.inputValue()).toBe("Also prove negatives");
    expect(await approve.isDisabled()).toBe(true);
    expect(await page.locator('.run-head [data-action="approve"]').isDisabled()).toBe(true);
    await shoot(page, "#contract", join(SCREENSHOTS, "contract-paused.png"));
    expect((await api(stack, "POST", `/runs/${body.id}/resume`, {})).status).toBe(202);
    await page.locator("#contract-paused").waitFor({ state: "detached", timeout: 10_000 });
    expect(await approve.isEnabled()).toBe(true);

    // A refusal is shown where the person typed (sent with Ctrl+Enter: the focus stays in the box).
    await page.route("**/contract/revise", (route) => route.fulfill({
      status: 409, contentType: "application/json",
      body: JSON.stringify({ error: "SUP_ERR_CONFLICT", message: `run ${body.id} is not waiting for contract approval (it waits for build)`, statusCode: 409 }),
    }), { times: 1 });
    await comments.fill(CONTRACT_COMMENTS);
    await comments.press("Control+Enter");
    await expect.poll(() => error.textContent()).toMatch(/^409 Conflict run .* is not waiting for contract approval/);
    expect(await comments.inputValue()).toBe(CONTRACT_COMMENTS);
    expect(await page.evaluate("document.activeElement?.id")).toBe("contract-comments");
    await shoot(page, "#contract", join(SCREENSHOTS, "contract-error.png"));

    // Sent for real: the box waits, quoting it, while the generator writes round 2 (held back a
    // moment) and the evaluator reviews it; round 2 answers the request and comes back to the gate.
    await revise.click();
    await page.locator("#contract-review.review-wait").waitFor({ timeout: 10_000 });
    expect(await page.locator("#contract-review").textContent()).toContain(CONTRACT_COMMENTS);
    await shoot(page, "#contract", join(SCREENSHOTS, "contract-revising.png"));
    await expect.poll(() => card.locator(".contract-top").textContent(), { timeout: 20_000 }).toContain("round 2 · 2 checks");
    await approve.waitFor();
    expect(await card.locator(".contract-body .prose").textContent()).toBe("add() with tests, negative numbers included");
    expect(await card.locator(".contract-body .change-requests").textContent()).toBe(CONTRACT_COMMENTS);
    expect(await card.locator(".contract-body .checks li").last().textContent()).toContain("negatives");
    await shoot(page, "#contract", join(SCREENSHOTS, "contract-review.png"));

    await approve.click();
    await expect.poll(async () => (await api<{ waitingFor: string }>(stack, "GET", `/runs/${body.id}`)).body.waitingFor, { timeout: 10_000 }).not.toBe("contract_approval");
    await page.locator("#contract-review").waitFor({ state: "detached", timeout: 10_000 });
    expect(await card.isHidden()).toBe(true);
    await api(stack, "POST", `/runs/${body.id}/cancel`, {});
  });
});
