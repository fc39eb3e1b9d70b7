import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedModel, type Script, type ScriptedModel } from "./index.js";

const MODEL = "claude-sonnet-5";
const open: ScriptedModel[] = [];

async function serve(script: Script): Promise<{ server: ScriptedModel; client: Anthropic }> {
  const server = await startScriptedModel({ script });
  open.push(server);
  return { server, client: new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 }) };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const writeSpec = {
  name: "write_spec",
  description: "Write the product spec",
  input_schema: { type: "object" as const, properties: { title: { type: "string" }, features: { type: "array" } }, required: ["title"] },
};

describe("scripted-model messages", () => {
  it("scripted-model - answers a text reply the SDK parses as a message with usage and request id", async () => {
    const { client } = await serve([{ match: { lastUserContains: "hello" }, reply: { text: "Hi, I am scripted." } }]);
    const { data, request_id } = await client.messages
      .create({ model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "hello there" }] })
      .withResponse();
    expect(data.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(data.type).toBe("message");
    expect(data.model).toBe(MODEL);
    expect(data.content).toEqual([{ type: "text", text: "Hi, I am scripted.", citations: null }]);
    expect(data.stop_reason).toBe("end_turn");
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBe(Math.ceil("Hi, I am scripted.".length / 4));
    expect(data.usage.cache_creation_input_tokens).toBe(0);
    expect(data.usage.cache_read_input_tokens).toBe(0);
    expect(request_id).toMatch(/^req_/);
  });

  it("scripted-model - answers a forced tool call the SDK parses as tool_use", async () => {
    const { client } = await serve([
      { match: { toolChoice: "write_spec", hasTool: "write_spec" }, reply: { text: "Writing.", toolUse: [{ name: "write_spec", input: { title: "Sprite editor" } }] } },
    ]);
    const msg = await client.messages.create({
      model: MODEL, max_tokens: 1024, tools: [writeSpec], tool_choice: { type: "tool", name: "write_spec" },
      messages: [{ role: "user", content: "a pixel-art sprite editor" }],
    });
    expect(msg.stop_reason).toBe("tool_use");
    expect(msg.content[0]).toMatchObject({ type: "text", text: "Writing." });
    const block = msg.content[1];
    expect(block?.type).toBe("tool_use");
    if (block?.type !== "tool_use") throw new Error("expected tool_use");
    expect(block.id).toMatch(/^toolu_01/);
    expect(block.name).toBe("write_spec");
    expect(block.input).toEqual({ title: "Sprite editor" });
  });

  it("scripted-model - drives a multi-turn tool conversation by turn and tool_result content", async () => {
    const readFile = { name: "read_file", input_schema: { type: "object" as const, properties: { path: { type: "string" } } } };
    const { client, server } = await serve([
      { name: "ask", match: { turn: 0 }, reply: { toolUse: [{ name: "read_file", input: { path: "a.txt" } }, { name: "read_file", input: { path: "b.txt" } }] } },
      { name: "answer", match: { turn: 1, contains: "contents of b" }, reply: { text: "Read: {{lastToolResult}}" } },
    ]);
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "summarise the files" }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 512, tools: [readFile], messages });
    expect(first.stop_reason).toBe("tool_use");
    const calls = first.content.filter((b) => b.type === "tool_use");
    expect(calls.map((c) => c.input)).toEqual([{ path: "a.txt" }, { path: "b.txt" }]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);

    messages.push({ role: "assistant", content: first.content });
    messages.push({
      role: "user",
      content: calls.map((c) => ({ type: "tool_result" as const, tool_use_id: c.id, content: `contents of ${(c.input as { path: string }).path[0]}` })),
    });
    const second = await client.messages.create({ model: MODEL, max_tokens: 512, tools: [readFile], messages });
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content[0]).toMatchObject({ text: "Read: contents of b" });
    expect(server.requests.map((r) => r.matchedRule)).toEqual(["ask", "answer"]);
  });

  it("scripted-model - resolves the role from header, metadata.user_id or the system prompt", async () => {
    const { client, server } = await serve([
      { match: { role: "planner" }, reply: { text: "plan" } },
      { match: { role: "evaluator" }, reply: { text: "verdict" } },
    ]);
    const base = { model: MODEL, max_tokens: 64, messages: [{ role: "user" as const, content: "go" }] };
    const byHeader = await client.messages.create(base, { headers: { "x-harness-role": "planner" } });
    const byMetadata = await client.messages.create({ ...base, metadata: { user_id: "run-7;role=evaluator" } });
    const byMarker = await client.messages.create({ ...base, system: "[role: planner] Each story names a role: as a user." });
    const bySubstring = await client.messages.create({ ...base, system: "You are the skeptical EVALUATOR of this product." });
    const texts = [byHeader, byMetadata, byMarker, bySubstring].map((m) => m.content[0]);
    expect(texts).toMatchObject([{ text: "plan" }, { text: "verdict" }, { text: "plan" }, { text: "verdict" }]);
    expect(server.requests.map((r) => r.role)).toEqual(["planner", "evaluator", "planner", null]);
  });

  it("scripted-model - uses replies in turn, repeats the last, and falls through once a rule is used up", async () => {
    const { client } = await serve([
      { match: { model: MODEL }, replies: [{ text: "one" }, { text: "two" }] },
      { match: { model: "claude-haiku-5-5" }, once: true, reply: { text: "only once" } },
      { reply: { text: "fallback" } },
    ]);
    const ask = async (model: string): Promise<string> => {
      const msg = await client.messages.create({ model, max_tokens: 64, messages: [{ role: "user", content: "x" }] });
      return msg.content[0]?.type === "text" ? msg.content[0].text : "";
    };
    expect([await ask(MODEL), await ask(MODEL), await ask(MODEL)]).toEqual(["one", "two", "two"]);
    expect([await ask("claude-haiku-5-5"), await ask("claude-haiku-5-5")]).toEqual(["only once", "fallback"]);
  });

  it("scripted-model - computes a reply with a function of the request", async () => {
    const { client } = await serve({
      rules: [{ reply: (req, { callIndex }) => ({ text: `${req.role ?? "?"}#${callIndex}: ${req.lastUserText.toUpperCase()}` }) }],
    });
    const call = (): Promise<Anthropic.Message> =>
      client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "shout" }] }, { headers: { "x-harness-role": "generator" } });
    expect((await call()).content[0]).toMatchObject({ text: "generator#0: SHOUT" });
    expect((await call()).content[0]).toMatchObject({ text: "generator#1: SHOUT" });
  });

  it("scripted-model - cuts an over-long text at max_tokens with stop_reason max_tokens", async () => {
    const { client } = await serve([{ reply: { text: "word ".repeat(200) } }]);
    const msg = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "talk" }] });
    expect(msg.stop_reason).toBe("max_tokens");
    expect(msg.usage.output_tokens).toBe(10);
    expect(msg.content[0]).toMatchObject({ text: "word ".repeat(8) });
  });

  it("scripted-model - counts tokens with count_tokens as usage reports them without caching", async () => {
    const { client } = await serve([{ reply: { text: "ok" } }]);
    const body = { model: MODEL, system: "You plan products.", tools: [writeSpec], messages: [{ role: "user" as const, content: "a todo app" }] };
    const counted = await client.messages.countTokens(body);
    const msg = await client.messages.create({ ...body, max_tokens: 64 });
    expect(counted.input_tokens).toBeGreaterThan(20);
    expect(counted.input_tokens).toBe(msg.usage.input_tokens);
  });

  it("scripted-model - answers an unmatched request with a 400 naming the role and last user text", async () => {
    const { client, server } = await serve([{ match: { role: "planner" }, reply: { text: "plan" } }]);
    const err = await client.messages
      .create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "please review sprint 3" }] }, { headers: { "x-harness-role": "evaluator" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const apiErr = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiErr.type).toBe("invalid_request_error");
    expect(apiErr.message).toContain("no rule matched");
    expect(apiErr.message).toContain("role=evaluator");
    expect(apiErr.message).toContain("please review sprint 3");
    expect(server.requests[0]).toMatchObject({ status: 400, matchedRule: null, role: "evaluator" });
  });

  it("scripted-model - records every request with path, headers, body, role, rule and status", async () => {
    const { client, server } = await serve([{ name: "only", reply: { text: "ok" } }]);
    await client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "x" }] }, { headers: { "x-harness-role": "planner" } });
    await client.messages.countTokens({ model: MODEL, messages: [{ role: "user", content: "x" }] });
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first).toMatchObject({ index: 0, path: "/v1/messages", role: "planner", matchedRule: "only", status: 200, fault: null });
    expect(first?.headers["authorization"]).toBe("[redacted]");
    expect(first?.headers["x-stainless-retry-count"]).toBe("0");
    expect(first?.body).toMatchObject({ model: MODEL, max_tokens: 64 });
    expect(first?.usage?.output_tokens).toBe(1);
    expect(typeof first?.time).toBe("number");
    expect(second).toMatchObject({ path: "/v1/messages/count_tokens", status: 200, matchedRule: null });
    server.reset();
    expect(server.requests).toHaveLength(0);
  });

  it("scripted-model - records when a request arrived and when its answer was sent, inside the client's own wait", async () => {
    const { client, server } = await serve([{ reply: { text: "ok", delayMs: 50 } }]);
    const before = performance.timeOrigin + performance.now();
    await client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "x" }] });
    const after = performance.timeOrigin + performance.now();
    const rec = server.requests[0];
    expect(rec?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(rec?.sentAt).toBeLessThanOrEqual(after);
    // The reply waited 50 ms (timers may fire a fraction of a millisecond early).
    expect((rec?.sentAt ?? 0) - (rec?.receivedAt ?? 0)).toBeGreaterThanOrEqual(49);
  });

  it("scripted-model - rejects a request without max_tokens like the API does", async () => {
    const { server } = await serve([{ reply: { text: "ok" } }]);
    const res = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "test" },
      body: JSON.stringify({ model: MODEL, messages: [] }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("max_tokens") } });
  });
});
