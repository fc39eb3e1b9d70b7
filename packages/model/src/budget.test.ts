import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { WorstCase } from "./budget.js";
import { BudgetExceededError } from "./errors.js";
import { DEFAULT_PRICES, priceFor } from "./pricing.js";
import { structured } from "./structured.js";
import { closeAll, inputTotal, serve } from "./test-support.js";
import { runToolLoop } from "./tool-loop.js";

afterEach(closeAll);

const refuse = { reserve: () => { throw new BudgetExceededError("cost", 1, 1, "no budget left"); } };

describe("model - budget", () => {
  it("an exhausted budget refuses before any HTTP request, and nothing is charged", async () => {
    const { server, client, usages, onUsage } = await serve([{ reply: { text: "never sent" } }]);
    const err = await structured(client, {
      role: "planner", system: "You plan.", prompt: "a todo app", schema: z.object({ title: z.string() }),
      toolName: "write_spec", toolDescription: "Write the spec", budget: refuse, onUsage,
    }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(BudgetExceededError);
    expect(err).toMatchObject({ code: "MODEL_BUDGET_EXCEEDED", kind: "cost", retryable: false });
    expect(server.requests).toEqual([]);
    expect(usages).toEqual([]);
  });

  it("a tool loop stops at the call the budget refuses: earlier calls were sent, that one was not", async () => {
    const { server, client } = await serve([{ reply: { toolUse: [{ name: "noop", input: {} }] } }]);
    let allowed = 3;
    const budget = { reserve: () => { if (allowed-- <= 0) throw new BudgetExceededError("tokens", 100, 100, "no tokens left"); } };
    const noop = { name: "noop", description: "Does nothing", input: z.object({}), run: async () => "ok" };
    const err = await runToolLoop(client, { role: "generator", system: "You build.", prompt: "go", tools: [noop], budget }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(BudgetExceededError);
    expect(server.requests).toHaveLength(3);
  });

  it("the reservation is the call's worst case: it covers the tokens and dollars actually charged", async () => {
    const { server, client } = await serve([{ reply: { text: "x".repeat(400) } }]);
    const reserved: WorstCase[] = [];
    const { usage } = await client.call({
      role: "evaluator", system: "You evaluate. ".repeat(50), messages: [{ role: "user", content: "check it ".repeat(100) }],
      models: { evaluator: { maxTokens: 512 } }, budget: { reserve: (w) => void reserved.push(w) },
    });

    const [worst] = reserved;
    const rec = server.requests[0];
    if (worst === undefined || rec === undefined) throw new Error("expected one reservation and one request");
    expect(worst.tokens - 512).toBeGreaterThanOrEqual(inputTotal(rec));
    expect(worst.tokens).toBeGreaterThanOrEqual(inputTotal(rec) + usage.usage.outputTokens);
    expect(worst.costUsd).toBeGreaterThanOrEqual(usage.costUsd);
    // Priced as if every prompt token were a cache write and the reply ran to max_tokens.
    const price = priceFor("claude-sonnet-5-5", DEFAULT_PRICES);
    expect(worst.costUsd).toBeCloseTo(((worst.tokens - 512) * price.cacheWrite + 512 * price.output) / 1e6, 12);
  });

  it("a reserving guard's id goes out with the request and comes back on the usage; a call that got no answer is released, not charged", async () => {
    const log: string[] = [];
    let n = 0;
    const guard = {
      reserve: async (worst: WorstCase, call: { role: string; model: string }) => {
        const id = `res-${++n}`;
        log.push(`reserve ${id} ${call.role} ${call.model} ${worst.costUsd > 0}`);
        return { id, release: async (reason: string) => { log.push(`release ${id}: ${reason.slice(0, 20)}`); } };
      },
    };
    const { server, client, usages, onUsage } = await serve([
      { match: { role: "planner" }, reply: { text: "ok" } },
      { match: { role: "judge" }, reply: { fault: "http_error", status: 400 } },
    ], { models: { planner: { model: "scripted-1" }, judge: { model: "scripted-1" } } });
    await client.call({ role: "planner", system: "s", messages: [{ role: "user", content: "go" }], budget: guard, onUsage });
    await expect(client.call({ role: "judge", system: "s", messages: [{ role: "user", content: "go" }], budget: guard, onUsage })).rejects.toThrow();
    expect(server.requests.map((r) => r.headers["x-harness-reservation"])).toEqual(["res-1", "res-2"]);
    expect(usages.map((u) => u.reservationId)).toEqual(["res-1"]);
    expect(log).toEqual(["reserve res-1 planner scripted-1 true", "reserve res-2 judge scripted-1 true", expect.stringMatching(/^release res-2: /)]);
  });
});
