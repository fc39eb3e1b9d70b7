import { afterEach, describe, expect, it } from "vitest";
import { ModelRequestError, ModelUnavailableError } from "./errors.js";
import { backoffMs, DEFAULT_RETRY } from "./retry.js";
import { closeAll, serve } from "./test-support.js";

afterEach(closeAll);

const ask = { role: "planner" as const, system: "You plan.", messages: [{ role: "user" as const, content: "a todo app" }] };

describe("model - retries", () => {
  it("two 529s then success is one logical call, charged once from the successful response", async () => {
    const { server, client, usages, onUsage } = await serve([{ replies: [{ fault: "overloaded", times: 2 }, { text: "planned" }] }]);
    const { message, usage } = await client.call({ ...ask, onUsage });

    expect(message.content[0]).toMatchObject({ type: "text", text: "planned" });
    expect(server.requests.map((r) => r.status)).toEqual([529, 529, 200]);
    // The SDK's own retries are off: each HTTP attempt is one of ours, none of them an SDK retry.
    expect(server.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "0", "0"]);
    expect(usages).toEqual([usage]);
    expect(usage.attempts).toBe(3);
    const served = server.requests[2]?.usage;
    expect(usage.usage).toEqual({
      inputTokens: served?.input_tokens, outputTokens: served?.output_tokens,
      cacheCreationInputTokens: served?.cache_creation_input_tokens, cacheReadInputTokens: served?.cache_read_input_tokens,
    });
  });

  it("a 429 with retry-after waits that long before the retry", async () => {
    const { server, client } = await serve([{ replies: [{ fault: "rate_limit", retryAfterSeconds: 1, times: 1 }, { text: "ok" }] }]);
    await client.call(ask);

    const [limited, retried] = server.requests;
    expect(limited?.status).toBe(429);
    expect(retried?.status).toBe(200);
    // Back-off here is at most 20 ms, so only the header explains a second's wait.
    expect((retried?.time ?? 0) - (limited?.time ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("a retry-after longer than a worker should block fails at once, retryable, carrying that delay", async () => {
    const { server, client } = await serve([{ reply: { fault: "rate_limit", retryAfterSeconds: 120 } }]);
    const err = await client.call(ask).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err).toMatchObject({ code: "MODEL_UNAVAILABLE", retryable: true, retryAfterMs: 120_000, status: 429, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it("a 529 that never clears ends, after the retry bound, in a retryable ModelUnavailableError and no usage", async () => {
    const { server, client, usages, onUsage } = await serve([{ reply: { fault: "overloaded" } }], { maxRetries: 2, retry: { baseDelayMs: 5, redeliverAfterMs: 7_000 } });
    const err = await client.call({ ...ask, onUsage }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err).toMatchObject({ retryable: true, attempts: 3, status: 529, retryAfterMs: 7_000 });
    expect(server.requests.map((r) => r.status)).toEqual([529, 529, 529]);
    expect(usages).toEqual([]);
  });

  it("timeouts, connection resets and 5xx are retried until the call succeeds", async () => {
    const { server, client, usages, onUsage } = await serve(
      [{ replies: [{ fault: "timeout", times: 1 }, { fault: "cut_stream", times: 1 }, { fault: "server_error", times: 1 }, { fault: "http_error", status: 503, times: 1 }, { text: "ok" }] }],
      { timeoutMs: 300 },
    );
    const { usage } = await client.call({ ...ask, onUsage });

    expect(server.requests.map((r) => r.fault)).toEqual(["timeout", "cut_stream", "server_error", "http_error", null]);
    expect(usage.attempts).toBe(5);
    expect(usages).toHaveLength(1);
    expect(usage.callId).toBe((server.requests[4]?.response as { id: string }).id);
  });

  it("a 400 is not retried: it is a non-retryable ModelRequestError with the status", async () => {
    const { server, client } = await serve([{ reply: { fault: "http_error", status: 400 } }]);
    const err = await client.call(ask).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ModelRequestError);
    expect(err).toMatchObject({ code: "MODEL_REQUEST_REJECTED", retryable: false, status: 400 });
    expect(server.requests).toHaveLength(1);
  });

  it("a server that says x-should-retry: false is not retried even on a 500", async () => {
    // A reply function that throws is answered 500 with x-should-retry: false.
    const { server, client } = await serve([{ reply: () => { throw new Error("script bug"); } }]);
    const err = await client.call(ask).catch((e: unknown) => e);

    expect(err).toMatchObject({ retryable: false, status: 500 });
    expect(server.requests).toHaveLength(1);
  });

  it("an abort during back-off ends the call without another request", async () => {
    const { server, client } = await serve([{ reply: { fault: "overloaded" } }], { retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("run cancelled")), 100);
    const started = Date.now();
    const err = await client.call({ ...ask, signal: controller.signal }).catch((e: unknown) => e);

    expect((err as Error).message).toBe("run cancelled");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it("back-off doubles per retry, is jittered down by at most half and is capped", () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});
