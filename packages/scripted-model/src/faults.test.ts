import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedModel, type Script, type ScriptedModel } from "./index.js";

const MODEL = "claude-sonnet-5";
const open: ScriptedModel[] = [];
const ask = { model: MODEL, max_tokens: 256, messages: [{ role: "user" as const, content: "build it" }] };

async function serve(script: Script, maxRetries: number, timeout?: number): Promise<{ server: ScriptedModel; client: Anthropic }> {
  const server = await startScriptedModel({ script });
  open.push(server);
  const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries, ...(timeout === undefined ? {} : { timeout }) });
  return { server, client };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function textOf(msg: Anthropic.Message): string {
  return msg.content.map((b) => (b.type === "text" ? b.text : "")).join("");
}

describe("scripted-model faults", () => {
  it("scripted-model - answers 429 with retry-after and the SDK retries after that delay", async () => {
    const { client, server } = await serve([{ replies: [{ fault: "rate_limit", retryAfterSeconds: 1, times: 1 }, { text: "after wait" }] }], 2);
    const started = Date.now();
    const msg = await client.messages.create(ask);
    const elapsed = Date.now() - started;
    expect(textOf(msg)).toBe("after wait");
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(server.requests[1]?.headers["x-stainless-retry-count"]).toBe("1");
  });

  it("scripted-model - surfaces a 429 as RateLimitError with retry-after when retries are off", async () => {
    const { client } = await serve([{ reply: { fault: "rate_limit", retryAfterSeconds: 7 } }], 0);
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const apiErr = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(apiErr.headers?.get("retry-after")).toBe("7");
    expect(apiErr.type).toBe("rate_limit_error");
    expect(apiErr.requestID).toMatch(/^req_/);
  });

  it("scripted-model - answers 529 overloaded twice, then succeeds within the SDK's retries", async () => {
    const { client, server } = await serve(
      [{ name: "flaky", replies: [{ fault: "overloaded", times: 2 }, { text: "finally" }] }],
      2,
    );
    const msg = await client.messages.create(ask);
    expect(textOf(msg)).toBe("finally");
    expect(server.requests.map((r) => [r.status, r.fault])).toEqual([[529, "overloaded"], [529, "overloaded"], [200, null]]);
  });

  it("scripted-model - reports 529 as overloaded_error once retries run out", async () => {
    const { client, server } = await serve([{ reply: { fault: "overloaded" } }], 1);
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
    expect(server.requests).toHaveLength(2);
  });

  it("scripted-model - answers 500 api_error and falls through to the next rule after `times`", async () => {
    const { client, server } = await serve([
      { match: { role: "planner" }, reply: { fault: "server_error", times: 1 } },
      { match: { role: "planner" }, reply: { text: "recovered" } },
    ], 0);
    const opts = { headers: { "x-harness-role": "planner" } };
    const err = await client.messages.create(ask, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(500);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe("api_error");
    expect(textOf(await client.messages.create(ask, opts))).toBe("recovered");
    expect(server.requests.map((r) => r.matchedRule)).toEqual([0, 1]);
  });

  it("scripted-model - returns a tool_use whose input breaks the tool's input_schema", async () => {
    const { client } = await serve([{ reply: { fault: "malformed_tool_input" } }], 0);
    const tool = {
      name: "edit_file",
      input_schema: { type: "object" as const, properties: { path: { type: "string" }, line: { type: "integer" }, dryRun: { type: "boolean" } }, required: ["path", "line"] },
    };
    const msg = await client.messages.create({ ...ask, tools: [tool], tool_choice: { type: "tool", name: "edit_file" } });
    expect(msg.stop_reason).toBe("tool_use");
    const block = msg.content.find((b) => b.type === "tool_use");
    expect(block?.name).toBe("edit_file");
    const input = block?.input as Record<string, unknown>;
    expect(typeof input["path"]).not.toBe("string");
    expect(Number.isInteger(input["line"])).toBe(false);
    expect(typeof input["dryRun"]).not.toBe("boolean");
  });

  it("scripted-model - hangs on a timeout fault until the SDK gives up, and close() does not wait for it", async () => {
    const { client, server } = await serve([{ reply: { fault: "timeout" } }], 0, 300);
    const started = Date.now();
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.requests[0]).toMatchObject({ fault: "timeout", status: 0 });
    const closing = Date.now();
    await server.close();
    expect(Date.now() - closing).toBeLessThan(1000);
  });

  it("scripted-model - delays a reply by delayMs", async () => {
    const { client } = await serve([{ reply: { text: "slow", delayMs: 200 } }], 0);
    const started = Date.now();
    expect(textOf(await client.messages.create(ask))).toBe("slow");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("scripted-model - injects a fault on demand ahead of the script for the given number of matches", async () => {
    const { client, server } = await serve([{ reply: { text: "normal" } }], 0);
    server.injectFault({ fault: "http_error", status: 403 }, { times: 2, match: { role: "generator" } });
    expect(textOf(await client.messages.create(ask, { headers: { "x-harness-role": "planner" } }))).toBe("normal");
    const generator = { headers: { "x-harness-role": "generator" } };
    for (let i = 0; i < 2; i++) {
      const err = await client.messages.create(ask, generator).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    }
    expect(textOf(await client.messages.create(ask, generator))).toBe("normal");
    expect(server.requests.map((r) => r.matchedRule)).toEqual([0, "injected", "injected", 0]);
  });

  it("scripted-model - reports a throwing reply function as a non-retryable 500 naming the rule", async () => {
    const { client, server } = await serve([{ name: "broken", reply: () => { throw new Error("boom"); } }], 2);
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as Error).message).toContain("broken");
    expect((err as Error).message).toContain("boom");
    expect(server.requests).toHaveLength(1);
  });
});
