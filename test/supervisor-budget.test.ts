import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { connectBus } from "@harness/bus";
import { BudgetExceeded } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { envelope, randomId } from "@harness/runtime";
import { waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

interface RunView {
  id: string; status: string; reason: string; waitingFor: string; heldWork: number; usage: { calls: number; costUsd: number };
  options: { budget: { maxCostUsd: number; maxTokens: number; maxWallClockMs: number } };
}
interface EventItem { seq: number; message: { type: string; producer: { role: string }; payload: Record<string, unknown> } }

describe("supervisor budget - the run pauses before a model call that would exceed it", () => {
  let model: ScriptedModel;
  let stack: Stack;

  beforeAll(async () => {
    model = await startScriptedModel({ script: tinyProgramScript() });
    // A cheap planner that fits the budget, and a generator whose worst case (64k output tokens at
    // opus prices, about $1.60) cannot fit what is left of $0.50.
    stack = await startStack({
      modelUrl: model.url,
      env: {
        HARNESS_MODEL_PLANNER: "claude-haiku-4-5", HARNESS_MAX_TOKENS_PLANNER: "1000",
        HARNESS_MODEL_GENERATOR: "claude-opus-4-5", HARNESS_MAX_TOKENS_GENERATOR: "64000",
      },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await model?.close();
  });

  const run = async (id: string) => (await api<RunView>(stack, "GET", `/runs/${id}`)).body;
  const events = async (id: string) => (await api<{ events: EventItem[] }>(stack, "GET", `/runs/${id}/events`)).body.events;
  const generatorRequests = () => model.requests.filter((r) => r.headers["x-harness-role"] === "generator");

  it("refuses the generator's call fail-closed, sends no request for it, and pauses the run with the reason", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", {
      prompt: "A calculator library with add and multiply",
      options: { budget: { maxCostUsd: 0.5 }, onBudgetExceeded: "pause" },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const paused = await waitFor(async () => { const r = await run(id); return r.status === "paused" ? r : undefined; }, { timeoutMs: 30_000, what: "the run to pause" })
      .catch((err) => { throw new Error(`${err}\n${stack.logs()}`); });

    expect(paused.reason).toMatch(/^cost budget exceeded: the next call could cost \$\d+\.\d+; \$0\.4\d+ of \$0\.5 left \(\$0\.0\d+ spent, \$0\.0000 reserved by calls in flight\)$/);
    expect(paused.waitingFor).toBe("contract");
    // The planner's call was made and charged; the generator's was never sent.
    expect(model.requests.filter((r) => r.headers["x-harness-role"] === "planner" && r.status === 200)).toHaveLength(1);
    expect(generatorRequests()).toEqual([]);
    expect(paused.usage.calls).toBe(1);
    expect(paused.usage.costUsd).toBeLessThan(0.5);
    // The refused work is kept for a human's decision, not dropped.
    expect(paused.heldWork).toBe(1);

    const history = await events(id);
    const refusal = history.find((e) => e.message.type === "budget.exceeded")!;
    expect(refusal.message.producer.role).toBe("generator");
    // The refusal carries its numbers, and the supervisor's own ledger bore them out.
    expect(refusal.message.payload).toMatchObject({ kind: "cost", limit: 0.5, refused: { role: "generator", model: "claude-opus-4-5", reserved: 0 } });
    const numbers = refusal.message.payload["refused"] as { spent: number; worstCase: number };
    expect(numbers.spent).toBeCloseTo(paused.usage.costUsd, 10);
    expect(numbers.spent + numbers.worstCase).toBeGreaterThan(0.5);
    expect(history.some((e) => e.message.payload["decision"] === "budget_refusal_suspect")).toBe(false);
    const pause = history.find((e) => e.message.type === "run.transition" && e.message.payload["to"] === "paused")!;
    expect(pause.message.payload).toMatchObject({ from: "running", decision: "budget_cost" });
    expect(pause.seq).toBeGreaterThan(refusal.seq);
  });

  it("a resume re-issues the held work, which the guard refuses again without a request", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", {
      prompt: "A calculator library with add and multiply",
      options: { budget: { maxCostUsd: 0.5 }, onBudgetExceeded: "pause" },
    });
    const id = created.body.id;
    await waitFor(async () => (await run(id)).status === "paused", { timeoutMs: 30_000, what: "the first pause" });
    expect((await api(stack, "POST", `/runs/${id}/resume`, {})).status).toBe(202);
    await waitFor(async () => (await events(id)).filter((e) => e.message.type === "budget.exceeded").length === 2, { timeoutMs: 30_000, what: "the second refusal" });
    await waitFor(async () => (await run(id)).status === "paused", { what: "the second pause" });
    expect(generatorRequests()).toEqual([]);
  });

  it("a person raises the budget on resume and the run goes on to completion; a raise that leaves it over is refused", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", {
      prompt: "A calculator library with add and multiply",
      options: { budget: { maxCostUsd: 0.5 }, onBudgetExceeded: "pause" },
    });
    const id = created.body.id;
    const paused = await waitFor(async () => { const r = await run(id); return r.status === "paused" ? r : undefined; }, { timeoutMs: 30_000, what: "the budget pause" });
    const spent = paused.usage.costUsd;
    expect(spent).toBeGreaterThan(0);

    // Bad budgets are a 400 naming the field; a budget below what is already spent is a 409.
    const empty = await api<{ message: string }>(stack, "POST", `/runs/${id}/resume`, { budget: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/at least one of maxCostUsd, maxTokens, maxWallClockMs/);
    const negative = await api<{ message: string }>(stack, "POST", `/runs/${id}/resume`, { budget: { maxCostUsd: -1 } });
    expect(negative.status).toBe(400);
    expect(negative.body.message).toMatch(/maxCostUsd/);
    const tooLow = await api<{ message: string }>(stack, "POST", `/runs/${id}/resume`, { budget: { maxCostUsd: spent / 2 } });
    expect(tooLow.status).toBe(409);
    expect(tooLow.body.message).toMatch(/would have no budget left: \$0\.\d{4} spent of \$0\.0\d+/);
    const atSpend = await api<{ message: string }>(stack, "POST", `/runs/${id}/resume`, { budget: { maxCostUsd: spent } });
    expect(atSpend.status).toBe(409);
    expect((await run(id)).status).toBe("paused");

    const raised = await api(stack, "POST", `/runs/${id}/resume`, { comment: "worth finishing", budget: { maxCostUsd: 20 } });
    expect(raised.status).toBe(202);
    const done = await waitFor(async () => { const r = await run(id); return r.status === "completed" ? r : undefined; }, { timeoutMs: 60_000, what: "the run to complete on its new budget" })
      .catch(async (err) => { throw new Error(`${err}: ${JSON.stringify(await run(id))}\n${stack.logs()}`); });
    expect(done.options.budget).toMatchObject({ maxCostUsd: 20 });
    expect(done.usage.costUsd).toBeGreaterThan(spent);
    expect(generatorRequests().length).toBeGreaterThan(0);
    const history = await events(id);
    const control = history.find((e) => e.message.type === "run.control")!;
    expect(control.message.payload).toMatchObject({ action: "resume", comment: "worth finishing", budget: { maxCostUsd: 20 } });
    const resumed = history.find((e) => e.message.type === "run.transition" && e.message.payload["decision"] === "resume")!;
    expect(resumed.message.payload["reason"]).toBe("worth finishing; budget now $20, 20000000 tokens, 21600s");

    // A new budget only ever comes with resuming a paused run.
    const late = await api<{ message: string }>(stack, "POST", `/runs/${id}/resume`, { budget: { maxCostUsd: 30 } });
    expect(late.status).toBe(409);
  }, 90_000);

  it("a forged refusal about work the generator was never given is ignored, and the run goes on", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", {
      prompt: "A calculator library with add and multiply", options: { budget: { maxCostUsd: 50 }, gates: { approveSpec: true } },
    });
    const id = created.body.id;
    await waitFor(async () => (await run(id)).waitingFor === "spec_approval", { timeoutMs: 30_000, what: "the spec gate" });
    const spent = (await run(id)).usage.costUsd;
    expect(spent).toBeLessThan(0.1);
    // A generator claims the run has spent $49.99 of $50 and its next call could cost $49.99,
    // about work the run never gave it (it has given the generator nothing yet).
    const bus = await connectBus({ ...stack.nats.as("generator"), name: "forger", logger: createLogger("forger", { level: "silent" }) });
    const cause = randomId();
    try {
      const forged = envelope("budget.exceeded", {
        kind: "cost" as const, limit: 50, used: 49.99, detail: "forged", refused: { role: "generator" as const, model: "claude-opus-4-5", spent: 49.99, reserved: 0, worstCase: 49.99 },
      }, { id: cause, runId: id, sprint: 0, attempt: 0 }, { role: "generator", instance: "forger" });
      await bus.publish(BudgetExceeded, forged);
    } finally {
      await bus.close();
    }
    await waitFor(() => stack.logs().includes(`event ignored: generator sent budget.exceeded about work this run never gave out (${cause})`), { timeoutMs: 15_000, what: "the refusal ignored" });
    const after = await run(id);
    expect(after).toMatchObject({ status: "planning", waitingFor: "spec_approval" });
    expect((await events(id)).some((e) => e.message.payload["decision"] === "budget_refusal_suspect")).toBe(false);
    // The run still goes on when a person approves the spec.
    expect((await api(stack, "POST", `/runs/${id}/approve`, {})).status).toBe(202);
    await waitFor(async () => (await run(id)).status === "running", { timeoutMs: 15_000, what: "the run to start its sprint" });
  });
});
