import { afterEach, describe, expect, it } from "vitest";
import { costOf, DEFAULT_PRICES, priceFor } from "./pricing.js";
import { closeAll, serve } from "./test-support.js";

afterEach(closeAll);

const usage = { input_tokens: 1_000, output_tokens: 500, cache_creation_input_tokens: 200, cache_read_input_tokens: 3_000 };
const ask = { role: "judge" as const, system: "You judge.", messages: [{ role: "user" as const, content: "grade it" }] };

describe("model - pricing", () => {
  it("a call's cost is each token kind times its price from the table", async () => {
    const prices = { "claude-opus": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 } };
    const { client } = await serve([{ reply: { text: "7/10", usage } }], { prices });
    const { usage: record } = await client.call(ask);

    expect(record.model).toBe("claude-opus-5-5");
    expect(record.usage).toEqual({ inputTokens: 1_000, outputTokens: 500, cacheCreationInputTokens: 200, cacheReadInputTokens: 3_000 });
    // 1000*5 + 500*25 + 200*6.25 + 3000*0.5 = 20_250 dollar-tokens per million
    expect(record.costUsd).toBeCloseTo(0.02025, 12);
  });

  it("HARNESS_MODEL_PRICES overrides the price of the models it names and keeps the defaults for the rest", async () => {
    const env = { HARNESS_MODEL_PRICES: JSON.stringify({ "claude-opus-5-5": { input: 1, output: 2, cacheWrite: 3, cacheRead: 4 } }) };
    const { client } = await serve([{ reply: { text: "ok", usage } }], { env });
    const judged = await client.call(ask);
    const planned = await client.call({ ...ask, role: "generator" });

    expect(judged.usage.costUsd).toBeCloseTo((1_000 * 1 + 500 * 2 + 200 * 3 + 3_000 * 4) / 1e6, 12);
    expect(planned.usage.model).toBe("claude-sonnet-5-5");
    expect(planned.usage.costUsd).toBeCloseTo((1_000 * 3 + 500 * 15 + 200 * 3.75 + 3_000 * 0.3) / 1e6, 12);
  });

  it("a model is priced by the longest key that prefixes its id, and an unknown model at a high rate", () => {
    const table = { claude: { input: 1, output: 1, cacheWrite: 1, cacheRead: 1 }, "claude-haiku": { input: 2, output: 2, cacheWrite: 2, cacheRead: 2 } };
    expect(priceFor("claude-haiku-5-5", table).input).toBe(2);
    expect(priceFor("claude-sonnet-5", table).input).toBe(1);
    expect(priceFor("gpt-something", table).input).toBeGreaterThanOrEqual(priceFor("claude-opus-5", DEFAULT_PRICES).input);
  });

  it("costOf adds up the four token kinds", () => {
    const price = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, price)).toBe(3);
    expect(costOf({ inputTokens: 0, outputTokens: 2_000_000, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }, price)).toBe(30);
    expect(costOf({ inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 4_000_000, cacheReadInputTokens: 10_000_000 }, price)).toBeCloseTo(18, 12);
  });
});
