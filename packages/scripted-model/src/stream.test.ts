import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedModel, type Script, type ScriptedModel } from "./index.js";

const MODEL = "claude-sonnet-5";
const open: ScriptedModel[] = [];
const ask = { model: MODEL, max_tokens: 512, messages: [{ role: "user" as const, content: "stream please" }] };
const LONG = "The sprint contract lists five checks, each driven in a real browser against the running app.";

async function serve(script: Script, maxRetries = 0): Promise<{ server: ScriptedModel; client: Anthropic }> {
  const server = await startScriptedModel({ script });
  open.push(server);
  return { server, client: new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries }) };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe("scripted-model streaming", () => {
  it("scripted-model - streams a text reply that client.messages.stream() assembles in deltas", async () => {
    const { client, server } = await serve([{ match: { stream: true }, reply: { text: LONG } }]);
    const stream = client.messages.stream(ask);
    const deltas: string[] = [];
    stream.on("text", (t) => deltas.push(t));
    const msg = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(LONG);
    expect(msg.content).toEqual([{ type: "text", text: LONG, citations: null }]);
    expect(msg.stop_reason).toBe("end_turn");
    expect(msg.usage.output_tokens).toBe(Math.ceil(LONG.length / 4));
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(stream.request_id).toMatch(/^req_/);
    expect(server.requests[0]).toMatchObject({ stream: true, status: 200 });
  });

  it("scripted-model - streams tool_use input as JSON deltas the SDK parses back", async () => {
    const input = { path: "src/app.ts", content: "export const x = 1;\n".repeat(5) };
    const { client } = await serve([{ reply: { text: "Writing the file.", toolUse: [{ name: "write_file", input }] } }]);
    const tool = { name: "write_file", input_schema: { type: "object" as const, properties: { path: { type: "string" }, content: { type: "string" } } } };
    const msg = await client.messages.stream({ ...ask, tools: [tool] }).finalMessage();
    expect(msg.stop_reason).toBe("tool_use");
    expect(msg.content[1]).toMatchObject({ type: "tool_use", name: "write_file", input });
  });

  it("scripted-model - emits the same usage when streamed as when answered whole", async () => {
    const { client } = await serve([{ reply: { text: LONG, usage: { output_tokens: 77 } } }]);
    const whole = await client.messages.create(ask);
    const streamed = await client.messages.stream(ask).finalMessage();
    expect(streamed.usage.output_tokens).toBe(77);
    expect(streamed.usage.input_tokens).toBe(whole.usage.input_tokens);
    expect(streamed.content).toEqual(whole.content);
  });

  it("scripted-model - cut_stream drops the connection mid-stream and the SDK errors", async () => {
    const { client, server } = await serve([{ reply: { fault: "cut_stream", text: LONG } }]);
    const stream = client.messages.stream(ask);
    const seen: string[] = [];
    stream.on("text", (t) => seen.push(t));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(seen.join("").length).toBeLessThan(LONG.length);
    expect(server.requests[0]).toMatchObject({ fault: "cut_stream", stream: true });
  });

  it("scripted-model - stream_error sends an API error event mid-stream", async () => {
    const { client } = await serve([{ reply: { fault: "stream_error", text: LONG } }]);
    const err = await client.messages.stream(ask).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
  });

  it("scripted-model - cut_stream on a non-streaming call truncates the body and the SDK errors", async () => {
    const { client } = await serve([{ reply: { fault: "cut_stream" } }]);
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIConnectionError);
  });
});
