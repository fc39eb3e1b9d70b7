import { startScriptedModel, type Fault, type Match, type ScriptedModel } from "@harness/scripted-model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoggedEvent, RunViewLite } from "../support/chaos-audit.js";
import { seconds, table } from "../support/chaos-report.js";
import { answered, chaosScript, requestTag, responseId, runPlan } from "../support/chaos-script.js";
import { api, startStack, type Stack } from "../support/stack.js";

/** How a run must end: completed, or failed / paused with a reason matching the pattern. */
type End = "completed" | { status: "failed" | "paused"; reason: RegExp };
interface Case { tag: string; fault: Fault; times: number; match: Match; end: End }

const FOREVER = 1_000;
const planner: Match = { role: "planner" };
const contract: Match = { role: "generator", toolChoice: "propose_contract" };
const build: Match = { role: "generator", hasTool: "write_file" };
const review: Match = { role: "evaluator", toolChoice: "submit_review" };

/**
 * Transient faults must be ridden out. A model that stays unavailable pauses the run with its
 * work held for a resume (nothing is wrong with the run); output that never validates fails it.
 * Either way the reason names role and cause.
 */
const CASES: Case[] = [
  { tag: "cx-r429", fault: { fault: "rate_limit", retryAfterSeconds: 1 }, times: 2, match: planner, end: "completed" },
  { tag: "cx-r529", fault: { fault: "overloaded" }, times: 2, match: build, end: "completed" },
  { tag: "cx-r500", fault: { fault: "server_error" }, times: 2, match: review, end: "completed" },
  { tag: "cx-rtmo", fault: { fault: "timeout" }, times: 1, match: contract, end: "completed" },
  { tag: "cx-rmal", fault: { fault: "malformed_tool_input" }, times: 2, match: planner, end: "completed" },
  { tag: "cx-rcut", fault: { fault: "cut_stream" }, times: 2, match: build, end: "completed" },
  { tag: "cx-rmix", fault: { fault: "stream_error" }, times: 1, match: review, end: "completed" },
  { tag: "cx-fmal", fault: { fault: "malformed_tool_input" }, times: FOREVER, match: planner, end: { status: "failed", reason: /^planner could not complete plan\.requested: .*invalid/ } },
  { tag: "cx-f429", fault: { fault: "rate_limit", retryAfterSeconds: 1 }, times: FOREVER, match: review, end: { status: "paused", reason: /^the model stayed unavailable: evaluator could not complete review\.requested: the model stayed unavailable over \d+ deliveries: model endpoint unavailable \(status 429\)/ } },
  { tag: "cx-f500", fault: { fault: "server_error" }, times: FOREVER, match: build, end: { status: "paused", reason: /^the model stayed unavailable: generator could not complete build\.requested: the model stayed unavailable over \d+ deliveries: model endpoint unavailable \(status 500\)/ } },
];

describe("chaos - model faults from the scripted server", () => {
  let model: ScriptedModel;
  let stack: Stack;

  beforeAll(async () => {
    model = await startScriptedModel({ script: chaosScript() });
    for (const c of CASES) model.injectFault(c.fault, { times: c.times, match: { ...c.match, contains: `${c.tag}` } });
    // A 2 s client timeout turns a held connection into a retry quickly; two retries per call.
    stack = await startStack({ modelUrl: model.url, env: { HARNESS_MODEL_TIMEOUT_MS: "2000", HARNESS_MODEL_MAX_RETRIES: "2" } });
  });

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
  });

  it("runs ride out 429, 529, 500, timeouts, malformed tool input and cut streams, or stop (failed, or paused while the model is down) with a reason naming the cause; none hangs", async () => {
    const started = Date.now();
    const runs = await Promise.all(CASES.map(async (c) => {
      const plan = runPlan(c.tag, "completes");
      const res = await api<{ id: string }>(stack, "POST", "/runs", { prompt: plan.prompt, options: plan.options });
      expect(res.status).toBe(201);
      return { c, id: res.body.id };
    }));
    const ended = new Map<string, { view: RunViewLite; at: number }>();
    while (ended.size < runs.length && Date.now() - started < 150_000) {
      for (const r of runs) {
        if (ended.has(r.id)) continue;
        const { body } = await api<RunViewLite>(stack, "GET", `/runs/${r.id}`);
        const stops = r.c.end === "completed" ? [] : [r.c.end.status];
        if (["completed", "failed", "cancelled", ...stops].includes(body.status)) ended.set(r.id, { view: body, at: Date.now() });
      }
      await new Promise((res) => setTimeout(res, 500));
    }

    const rows = [];
    for (const { c, id } of runs) {
      const end = ended.get(id);
      const hits = model.requests.filter((q) => q.fault !== null && requestTag(q) === c.tag).length;
      const events = (await api<{ events: LoggedEvent[] }>(stack, "GET", `/runs/${id}/events`)).body.events;
      const charged = events.filter((e) => e.message.type === "usage.recorded").map((e) => String(e.message.payload["callId"])).sort();
      const billable = answered(model.requests).filter((q) => requestTag(q) === c.tag).map((q) => responseId(q) ?? "").sort();
      rows.push({ c, id, end, hits, charged, billable });
    }
    console.log(`\nmodel faults\n${table(rows.map((r) => ({
      run: r.c.tag, fault: r.c.fault.fault, at: Object.values(r.c.match).join("/"), "times served": r.hits,
      status: r.end?.view.status ?? "HUNG", "after": r.end ? seconds(r.end.at - started) : "-", reason: (r.end?.view.reason ?? "").slice(0, 90),
    })))}\n`);

    for (const r of rows) {
      expect(r.end, `${r.c.tag} never ended`).toBeDefined();
      expect(r.hits, `${r.c.tag}: the fault reached the run`).toBeGreaterThanOrEqual(Math.min(r.c.times, 1));
      if (r.c.end === "completed") {
        expect(r.hits, `${r.c.tag}: every injected fault was served`).toBe(r.c.times);
        expect(r.end?.view.status, `${r.c.tag}: ${r.end?.view.reason}`).toBe("completed");
      } else {
        expect(r.end?.view.status, r.c.tag).toBe(r.c.end.status);
        expect(r.end?.view.reason, r.c.tag).toMatch(r.c.end.reason);
      }
      // Failed attempts are never charged; every answer (a malformed one included) is, once.
      expect(r.charged, `${r.c.tag}: usage events vs answered calls`).toEqual(r.billable);
      expect(r.end?.view.usage.calls, r.c.tag).toBe(r.billable.length);
    }
  });
});
