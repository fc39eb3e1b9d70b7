import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { EXPLORER_TOOL, startScriptedModel } from "./index.js";

const MODEL = "claude-sonnet-5";
const tool = (name: string) => ({ name, input_schema: { type: "object" as const, properties: {} } });

describe("scripted-model defaults", () => {
  it("scripted-model - answers an explorer turn no rule matches with no findings in one reply, and still refuses other unmatched requests", async () => {
    const server = await startScriptedModel({ script: [{ name: "judge", match: { role: "judge" }, reply: { text: "graded" } }] });
    try {
      const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
      const explore = await client.messages.create(
        { model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "explore the product" }], tools: [tool("goto"), tool(EXPLORER_TOOL)] },
        { headers: { "x-harness-role": "evaluator" } },
      );
      expect(explore.stop_reason).toBe("end_turn");
      expect(explore.content).toHaveLength(1);
      expect(explore.content[0]).toMatchObject({ type: "text", text: expect.stringMatching(/^No findings/) });
      await expect(client.messages.create(
        { model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "review this" }], tools: [tool("submit_review")] },
        { headers: { "x-harness-role": "evaluator" } },
      )).rejects.toThrow(/no rule matched request #1/);
      expect(server.requests.map((r) => r.matchedRule)).toEqual(["default-explorer", null]);
    } finally {
      await server.close();
    }
  });

  it("scripted-model - lets a script play the explorer by matching its tool, ahead of the default", async () => {
    const server = await startScriptedModel({ script: [{ name: "explorer", match: { hasTool: EXPLORER_TOOL }, reply: { toolUse: [{ name: "goto", input: { path: "/" } }] } }] });
    try {
      const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
      const turn = await client.messages.create({ model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "explore" }], tools: [tool("goto"), tool(EXPLORER_TOOL)] });
      expect(turn.content[0]).toMatchObject({ type: "tool_use", name: "goto", input: { path: "/" } });
      expect(server.requests[0]?.matchedRule).toBe("explorer");
    } finally {
      await server.close();
    }
  });
});
