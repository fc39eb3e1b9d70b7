import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_BREAKPOINTS } from "./cache.js";
import { bodyOf, breakpoints, closeAll, inputTotal, serve } from "./test-support.js";
import { runToolLoop } from "./tool-loop.js";
import { toApiTool } from "./tool.js";

afterEach(closeAll);

const SYSTEM = "You are the evaluator. Be skeptical and cite evidence. ".repeat(40);
const tools = [
  toApiTool({ name: "read_file", description: "Read a file", input: z.object({ path: z.string() }) }),
  toApiTool({ name: "submit", description: "Submit a verdict", input: z.object({ pass: z.boolean() }) }),
];

describe("model - prompt caching", () => {
  it("every request marks the system prompt and the last tool as cache breakpoints", async () => {
    const { server, client } = await serve([{ reply: { text: "ok" } }]);
    await client.call({ role: "evaluator", system: SYSTEM, messages: [{ role: "user", content: "sprint 1" }], tools });

    const body = bodyOf(server.requests[0]);
    expect(body.system).toEqual([{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }]);
    expect(body.tools?.map((t) => t.cache_control ?? null)).toEqual([null, { type: "ephemeral" }]);
    // A one-shot call does not pay cache writes for a conversation nobody continues.
    expect(breakpoints(body.messages)).toBe(0);
  });

  it("a repeated call of one role reads the stable prefix from cache, and the usage record shows it", async () => {
    const { server, client, usages, onUsage } = await serve([{ reply: { text: "ok" } }]);
    await client.call({ role: "evaluator", system: SYSTEM, messages: [{ role: "user", content: "sprint 1" }], tools, onUsage });
    await client.call({ role: "evaluator", system: SYSTEM, messages: [{ role: "user", content: "sprint 2, attempt 2" }], tools, onUsage });

    const [first, second] = usages.map((u) => u.usage);
    expect(first?.cacheReadInputTokens).toBe(0);
    expect(first?.cacheCreationInputTokens).toBeGreaterThan(500);
    expect(second?.cacheReadInputTokens).toBe(first?.cacheCreationInputTokens);
    expect(second?.cacheCreationInputTokens).toBe(0);
    expect(server.requests[1]?.usage?.cache_read_input_tokens).toBe(second?.cacheReadInputTokens);
    // Cache reads cost a tenth of fresh input.
    expect(usages[1]?.costUsd).toBeLessThan((usages[0]?.costUsd ?? 0) / 5);
  });

  it("a tool loop also caches its growing conversation, within the API's limit of 4 breakpoints", async () => {
    let step = 0;
    const { server, client } = await serve([{ reply: () => (++step <= 5 ? { toolUse: [{ name: "read_file", input: { path: `f${step}.ts` } }] } : { text: "done" }) }]);
    const readFile = { name: "read_file", description: "Read a file", input: z.object({ path: z.string() }), run: async () => "export const x = 1;\n".repeat(40) };
    await runToolLoop(client, { role: "generator", system: SYSTEM, prompt: "build sprint 1", tools: [readFile] });

    expect(server.requests).toHaveLength(6);
    for (const rec of server.requests) expect(breakpoints(rec.body)).toBeLessThanOrEqual(MAX_BREAKPOINTS);
    for (const [i, rec] of server.requests.entries()) {
      if (i === 0) continue;
      // Each turn reads back the whole prompt of the turn before and pays only for what is new.
      expect(rec.usage?.cache_read_input_tokens).toBe(inputTotal(server.requests[i - 1] ?? rec));
      expect(rec.usage?.input_tokens).toBe(0);
    }
  });
});
