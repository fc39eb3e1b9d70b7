import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { countPromptTokens, startScriptedModel, type ScriptedModel } from "./index.js";

const MODEL = "claude-sonnet-5";
const open: ScriptedModel[] = [];

async function serve(opts: { minCacheableTokens?: number } = {}): Promise<{ server: ScriptedModel; client: Anthropic }> {
  const server = await startScriptedModel({ script: [{ reply: { text: "noted" } }], ...opts });
  open.push(server);
  return { server, client: new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 }) };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const SYSTEM = "You are the planner. ".repeat(200);
const tools: Anthropic.Tool[] = [
  { name: "write_spec", description: "Write the spec", input_schema: { type: "object", properties: { title: { type: "string" } } }, cache_control: { type: "ephemeral" } },
];
const cachedSystem: Anthropic.TextBlockParam[] = [{ type: "text", text: SYSTEM, cache_control: { type: "ephemeral" } }];

function total(u: Anthropic.Usage): number {
  return u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

describe("scripted-model prompt caching", () => {
  it("scripted-model - writes a cache_control prefix on first sight and reads it on the repeat request", async () => {
    const { client } = await serve();
    const body = { model: MODEL, max_tokens: 64, tools, system: cachedSystem, messages: [{ role: "user" as const, content: "a todo app" }] };
    const first = await client.messages.create(body);
    const second = await client.messages.create({ ...body, messages: [{ role: "user", content: "a sprite editor with undo" }] });

    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1000);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.input_tokens).toBeLessThan(20);
    expect(total(first.usage)).toBe(countPromptTokens({ ...body }));
  });

  it("scripted-model - reads the cached part and writes only the new turn as a conversation grows", async () => {
    const { client } = await serve();
    const turn = (text: string, cache: boolean): Anthropic.MessageParam => ({
      role: "user",
      content: [{ type: "text", text, ...(cache ? { cache_control: { type: "ephemeral" as const } } : {}) }],
    });
    const first = await client.messages.create({ model: MODEL, max_tokens: 64, system: cachedSystem, messages: [turn("step one ".repeat(50), true)] });
    const second = await client.messages.create({
      model: MODEL, max_tokens: 64, system: cachedSystem,
      messages: [turn("step one ".repeat(50), false), { role: "assistant", content: "noted" }, turn("step two ".repeat(50), true)],
    });
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(second.usage.cache_read_input_tokens).toBeLessThanOrEqual(total(first.usage));
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(100);
  });

  it("scripted-model - counts everything as input_tokens when the request has no cache_control", async () => {
    const { client } = await serve();
    const body = { model: MODEL, max_tokens: 64, system: SYSTEM, messages: [{ role: "user" as const, content: "hi" }] };
    await client.messages.create(body);
    const again = await client.messages.create(body);
    expect(again.usage.cache_read_input_tokens).toBe(0);
    expect(again.usage.cache_creation_input_tokens).toBe(0);
    expect(again.usage.input_tokens).toBe(countPromptTokens(body));
  });

  it("scripted-model - keeps caches apart per model and forgets them on reset", async () => {
    const { client, server } = await serve();
    const body = { max_tokens: 64, system: cachedSystem, messages: [{ role: "user" as const, content: "hi" }] };
    await client.messages.create({ ...body, model: MODEL });
    const otherModel = await client.messages.create({ ...body, model: "claude-opus-5" });
    expect(otherModel.usage.cache_read_input_tokens).toBe(0);
    server.reset();
    const afterReset = await client.messages.create({ ...body, model: MODEL });
    expect(afterReset.usage.cache_read_input_tokens).toBe(0);
    expect(afterReset.usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });

  it("scripted-model - does not cache prefixes shorter than minCacheableTokens", async () => {
    const { client } = await serve({ minCacheableTokens: 100_000 });
    const body = { model: MODEL, max_tokens: 64, system: cachedSystem, messages: [{ role: "user" as const, content: "hi" }] };
    await client.messages.create(body);
    const again = await client.messages.create(body);
    expect(again.usage.cache_creation_input_tokens).toBe(0);
    expect(again.usage.cache_read_input_tokens).toBe(0);
  });
});
