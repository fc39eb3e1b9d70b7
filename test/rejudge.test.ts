import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Objm } from "@nats-io/obj";
import { connectBus, type Bus } from "@harness/bus";
import { defineEvaluator, runEvaluator, type RunningEvaluator } from "@harness/evaluator-sdk";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { rejudgeCommand } from "../cli/src/commands/rejudge.js";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

interface RunView {
  id: string; status: string; reason: string; usage: { costUsd: number; calls: number };
  sprints: Array<{ number: number; attempts: Array<{ attempt: number; status: string; build?: { artifact: { name: string } } }> }>;
}
interface Comparison { checkId: string; original: boolean | null; now: boolean | null; agree: boolean }
interface Rejudgements {
  rejudgements: Array<{ id: string; status: string; runId: string; report: { disagreements: number; missing: Array<{ name: string }>; attempts: Array<{ sprint: number; attempt: number; evaluator: string; disagreements: number; criteria: Comparison[] }> } }>;
}

/**
 * `harness rejudge`: a finished scripted run (two sprints, a rework, the final acceptance) gated
 * by core and a custom evaluator; the custom evaluator then changes (it now wants a README) and
 * the run's stored builds are judged again, one snapshot deleted as retention would.
 */
describe("rejudge - a finished run's builds judged again by the evaluator as it is now", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let custom: RunningEvaluator;
  let admin: Bus;
  // The custom evaluator's rule, changed after the run.
  let wantsReadme = false;

  beforeAll(async () => {
    model = await startScriptedModel({ script: tinyProgramScript() });
    stack = await startStack({ modelUrl: model.url, evaluators: ["docs"] });
    const creds = stack.nats.as("evaluator-docs");
    custom = await runEvaluator(defineEvaluator({
      name: "docs", description: "wants a README once it is configured to",
      async evaluate(_req, ctx) {
        const has = ctx.files.includes("README.md");
        return [{ id: "readme", passed: has || !wantsReadme, evidence: [has ? "README.md present" : "no README.md in the build"] }];
      },
    }), { natsUrl: creds.url, ...(creds.user ? { user: creds.user } : {}), ...(creds.pass ? { pass: creds.pass } : {}), provision: false, handleSignals: false });
    admin = await connectBus({ ...stack.nats.as(), name: "rejudge-test" });
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await custom?.stop();
    await stack?.stop();
    await model?.close();
  });

  it("shows the changed verdict beside the original, names the deleted build, and leaves the run's outcome and cost as they were", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "a tiny calculator", options: { evaluators: ["core", "docs"], explore: { enabled: false } } });
    expect(created.status).toBe(201);
    const runId = created.body.id;
    const finished = await waitFor(async () => {
      const { body } = await api<RunView>(stack, "GET", `/runs/${runId}`);
      return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250, what: `run ${runId}` }).catch((err: unknown) => { throw new Error(`${String(err)}\n${stack.logs()}`); });
    expect(finished.status, finished.reason).toBe("completed");
    expect(finished.sprints.map((s) => s.attempts.map((a) => a.status))).toEqual([["passed"], ["failed", "passed"]]);
    const events = (await api<{ events: unknown[] }>(stack, "GET", `/runs/${runId}/events?limit=10000`)).body.events.length;

    // The evaluator changes; retention removes the broken build of sprint 2.
    wantsReadme = true;
    const gone = finished.sprints[1]!.attempts[0]!.build!.artifact.name;
    await (await new Objm(admin.js).open("harness-artifacts")).delete(gone);

    const lines: string[] = [];
    const code = await rejudgeCommand(runId, { api: stack.apiUrl, token: stack.token, pollMs: 250, out: (l) => lines.push(l) });
    const text = lines.join("\n");
    expect(code, text).toBe(0);
    expect(text).toContain(`missing: sprint 2 attempt 1: its snapshot ${gone} is no longer in the artifact store`);
    expect(text).toContain("sprint 1 attempt 1 (docs): was pass, now FAIL  1 criteria changed");
    expect(text).toContain("  readme: was pass, now FAIL: ");
    expect(text).toContain("sprint 1 attempt 1 (core): was pass, now pass");

    const { rejudgements } = (await api<Rejudgements>(stack, "GET", `/runs/${runId}/rejudgements`)).body;
    expect(rejudgements).toHaveLength(1);
    const report = rejudgements[0]!.report;
    expect(report.missing.map((m) => m.name)).toEqual(["sprint 2 attempt 1"]);
    // Sprint 1, sprint 2's rework and the final acceptance, by both evaluators: docs disagrees on each, first.
    expect(report.attempts.map((a) => `${a.sprint}/${a.attempt}:${a.evaluator}:${a.disagreements}`)).toEqual([
      "0/1:docs:1", "1/1:docs:1", "2/2:docs:1", "0/1:core:0", "1/1:core:0", "2/2:core:0",
    ]);
    expect(report.attempts[0]!.criteria).toEqual([expect.objectContaining({ checkId: "readme", original: true, now: false, agree: false })]);

    // The run page shows them, the changed criterion first.
    const browser = await chromium.launch({ executablePath: process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      await page.goto(`${stack.apiUrl}/#/runs/${runId}`);
      const card = page.locator("#rejudgements");
      await card.waitFor({ timeout: 15_000 });
      expect(await card.locator("[data-rejudged]").first().getAttribute("data-rejudged")).toBe("0/1/docs");
      expect(await card.locator('[data-rejudged="1/1/docs"] [data-check="readme"]').innerText()).toContain("readme: was pass, now fail");
      expect(await card.innerText()).toContain("sprint 2 attempt 1: snapshot no longer stored");
    } finally {
      await browser.close();
    }

    // One sprint, one evaluator: only that attempt is judged again.
    const one: string[] = [];
    expect(await rejudgeCommand(runId, { api: stack.apiUrl, token: stack.token, sprint: 1, evaluators: "docs", pollMs: 250, out: (l) => one.push(l) })).toBe(0);
    expect(one[0]).toMatch(/^re-judgement rej-\S+: 1 evaluations of run /);
    expect(one.filter((l) => / \((core|docs)\): was /.test(l))).toEqual(["sprint 1 attempt 1 (docs): was pass, now FAIL  1 criteria changed"]);

    // The run is as it was: outcome, cost, history; and the re-judgement is no run.
    const after = (await api<RunView>(stack, "GET", `/runs/${runId}`)).body;
    expect({ status: after.status, costUsd: after.usage.costUsd, calls: after.usage.calls }).toEqual({ status: "completed", costUsd: finished.usage.costUsd, calls: finished.usage.calls });
    expect((await api<{ events: unknown[] }>(stack, "GET", `/runs/${runId}/events?limit=10000`)).body.events).toHaveLength(events);
    expect((await api<{ runs: Array<{ id: string }> }>(stack, "GET", "/runs")).body.runs.map((r) => r.id)).toEqual([runId]);
  }, 240_000);

  it("refuses to re-judge a run that has not finished, and a run that does not exist", async () => {
    expect((await api(stack, "POST", "/runs/rnope/rejudgements", {})).status).toBe(404);
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "a tiny calculator", options: { gates: { approveSpec: true }, explore: { enabled: false } } });
    const res = await api<{ message: string }>(stack, "POST", `/runs/${created.body.id}/rejudgements`, {});
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/only a finished run is re-judged/);
    await api(stack, "POST", `/runs/${created.body.id}/cancel`, {});
  });
});
