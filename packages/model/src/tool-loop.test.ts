import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { closeAll, lastToolResults, serve } from "./test-support.js";
import { runToolLoop } from "./tool-loop.js";
import type { Tool } from "./tool.js";

afterEach(closeAll);

function workspace() {
  const files = new Map<string, string>([["CONTRACT.md", "## Checks\n- GET /health answers 200"]]);
  const writes: Array<{ path: string; content: string }> = [];
  const readFile: Tool<{ path: string }> = {
    name: "read_file", description: "Read a file", input: z.object({ path: z.string() }),
    run: async ({ path }) => {
      const text = files.get(path);
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
  };
  const writeFile: Tool<{ path: string; content: string }> = {
    name: "write_file", description: "Write a file", input: z.object({ path: z.string(), content: z.string() }),
    run: async (input) => {
      writes.push(input);
      files.set(input.path, input.content);
      return `wrote ${input.content.length} bytes`;
    },
  };
  return { tools: [readFile, writeFile], writes };
}

const base = { role: "generator" as const, system: "You build.", prompt: "Build sprint 1." };

describe("model - tool loop", () => {
  it("runs a multi-turn tool loop to the model's final answer", async () => {
    const { server, client, usages, onUsage } = await serve([{
      replies: [
        { toolUse: [{ name: "read_file", input: { path: "CONTRACT.md" } }] },
        { toolUse: [{ name: "write_file", input: { path: "src/app.ts", content: "export {}" } }] },
        { text: "Built: {{lastToolResult}}" },
      ],
    }]);
    const { tools, writes } = workspace();
    const result = await runToolLoop(client, { ...base, tools, onUsage });

    expect(result).toEqual({ text: "Built: wrote 9 bytes", turns: 3, stopReason: "end_turn", resets: 0, progressNotes: [] });
    expect(writes).toEqual([{ path: "src/app.ts", content: "export {}" }]);
    expect(lastToolResults(server.requests[1])[0]?.content).toContain("## Checks");
    expect(usages).toHaveLength(3);
    expect(server.requests.map((r) => r.role)).toEqual(["generator", "generator", "generator"]);
  });

  it("an invalid tool input comes back as an is_error result and is corrected on the next turn", async () => {
    const { server, client } = await serve([{
      replies: [
        { fault: "malformed_tool_input", tool: "write_file" },
        { toolUse: [{ name: "write_file", input: { path: "src/app.ts", content: "export {}" } }] },
        { text: "done" },
      ],
    }]);
    const { tools, writes } = workspace();
    const result = await runToolLoop(client, { ...base, tools });

    const [rejected] = lastToolResults(server.requests[1]);
    expect(rejected?.is_error).toBe(true);
    expect(rejected?.content).toMatch(/invalid input for write_file[\s\S]*path/);
    expect(writes).toEqual([{ path: "src/app.ts", content: "export {}" }]);
    expect(lastToolResults(server.requests[2])[0]?.is_error).toBeUndefined();
    expect(result).toMatchObject({ text: "done", turns: 3 });
  });

  it("a tool that throws, or one that does not exist, is an is_error result the model sees, not an exception", async () => {
    const { server, client } = await serve([{
      replies: [{ toolUse: [{ name: "read_file", input: { path: "missing.ts" } }, { name: "rm_rf", input: {} }] }, { text: "I'll create it." }],
    }]);
    const result = await runToolLoop(client, { ...base, tools: workspace().tools });

    expect(lastToolResults(server.requests[1])).toEqual([
      expect.objectContaining({ is_error: true, content: "ENOENT: missing.ts" }),
      expect.objectContaining({ is_error: true, content: 'unknown tool "rm_rf"' }),
    ]);
    expect(result.text).toBe("I'll create it.");
  });

  it("the turn cap stops a model that never stops calling tools", async () => {
    const { server, client } = await serve([{ reply: { toolUse: [{ name: "read_file", input: { path: "CONTRACT.md" } }] } }]);
    const turns: number[] = [];
    const result = await runToolLoop(client, { ...base, tools: workspace().tools, maxTurns: 4, onTurn: (t) => void turns.push(t) });

    expect(result).toMatchObject({ stopReason: "max_turns", turns: 4 });
    expect(turns).toEqual([1, 2, 3, 4]);
    expect(server.requests).toHaveLength(4);
  });

  it("tool calls cut off by max_tokens are not run: the model is told to make smaller calls", async () => {
    const { server, client } = await serve([{
      replies: [{ toolUse: [{ name: "write_file", input: { path: "a.ts", content: "half a fi" } }], stopReason: "max_tokens" }, { text: "retrying smaller" }],
    }]);
    const { tools, writes } = workspace();
    await runToolLoop(client, { ...base, tools });

    expect(writes).toEqual([]);
    expect(lastToolResults(server.requests[1])[0]).toMatchObject({ is_error: true, content: expect.stringContaining("max_tokens") });
  });

  it("a long tool result is cut in the middle to the configured size, keeping its head and tail", async () => {
    const { server, client } = await serve([{ replies: [{ toolUse: [{ name: "log", input: {} }] }, { text: "ok" }] }]);
    const log: Tool<Record<string, never>> = { name: "log", description: "Print the log", input: z.object({}), run: async () => `START${"x".repeat(10_000)}END` };
    await runToolLoop(client, { ...base, tools: [log], maxToolResultChars: 1_000 });

    const content = String(lastToolResults(server.requests[1])[0]?.content);
    expect(content.length).toBeLessThan(1_100);
    expect(content).toMatch(/^START[\s\S]*characters cut[\s\S]*END$/);
  });

  it("an aborted signal stops the loop before its next request", async () => {
    const controller = new AbortController();
    const { server, client } = await serve([{ reply: { toolUse: [{ name: "stop", input: {} }] } }]);
    const stop: Tool<Record<string, never>> = { name: "stop", description: "Cancel", input: z.object({}), run: async () => { controller.abort(new Error("cancelled")); return "ok"; } };
    const err = await runToolLoop(client, { ...base, tools: [stop], signal: controller.signal }).catch((e: unknown) => e);

    expect((err as Error).message).toBe("cancelled");
    expect(server.requests).toHaveLength(1);
  });
});
