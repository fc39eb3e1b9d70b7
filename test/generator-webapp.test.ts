import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoScript } from "@harness/cli";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { api, startStack, type Stack } from "./support/stack.js";

interface RunView { status: string; reason: string }

const toolResults = (body: unknown): string[] => {
  const messages = (body as { messages: Array<{ role: string; content: unknown }> }).messages;
  return messages.flatMap((m) => Array.isArray(m.content) ? m.content : []).filter((b: { type?: string }) => b.type === "tool_result").map((b) => JSON.stringify(b));
};

describe("generator - builds a small web app with tools, starts it, and reworks it from evidence", () => {
  let model: ScriptedModel;
  let stack: Stack;

  beforeAll(async () => {
    model = await startScriptedModel({ script: demoScript() });
    stack = await startStack({ modelUrl: model.url });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
  });

  it("writes the app, starts its server and calls its API during the build; the rework's first request carries the failing evidence", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "Pocket Notes: a small notes web app", options: { maxSprints: 2 } });
    const run = await waitFor(async () => {
      const v = (await api<RunView>(stack, "GET", `/runs/${body.id}`)).body;
      return ["completed", "failed"].includes(v.status) ? v : undefined;
    }, { timeoutMs: 150_000, intervalMs: 250, what: "the demo run" });
    expect(run.status, run.reason).toBe("completed");

    const sprint1 = model.requests.filter((r) => r.matchedRule === "build" && JSON.stringify(r.body).includes("Sprint 1, attempt 1"));
    const results = toolResults(sprint1.at(-1)!.body).join("\n");
    // The store's tests ran under node's runner, and all four passed.
    expect(results).toContain("# pass 4");
    expect(results).toContain("# fail 0");
    expect(results).toMatch(/server on port \d+ is ready/);
    expect(results).toContain("POST /api/notes -> 201");
    expect(results).toMatch(/stopped the server on port \d+/);

    const rework = model.requests.find((r) => r.matchedRule === "build" && JSON.stringify(r.body).includes("Sprint 2, attempt 2"))!;
    const first = JSON.stringify(rework.body);
    expect(first).toContain("FAILED add-note-ui");
    expect(first).toContain("Water the plants");
    expect(first).toContain("Added public/index.html and public/app.js"); // the previous attempt's notes
  });
});
