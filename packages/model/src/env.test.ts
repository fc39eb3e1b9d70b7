import { afterEach, describe, expect, it } from "vitest";
import { createModelClient } from "./client.js";
import { DEFAULT_MODELS } from "./config.js";
import { modelConfigFromEnv } from "./env.js";
import { ModelConfigError } from "./errors.js";
import { DEFAULT_PRICES } from "./pricing.js";
import { bodyOf, closeAll, serve } from "./test-support.js";

afterEach(closeAll);

const ask = { system: "You work.", messages: [{ role: "user" as const, content: "go" }] };

describe("model - configuration", () => {
  it("reads models and max tokens per role, prices, retries, timeout and base URL from the environment", () => {
    const config = modelConfigFromEnv({
      HARNESS_MODEL_PLANNER: "claude-opus-5",
      HARNESS_MAX_TOKENS_PLANNER: "32000",
      HARNESS_MAX_TOKENS_JUDGE: "4000",
      HARNESS_MODEL_PRICES: '{"claude-opus-5":{"input":1,"output":2,"cacheWrite":3,"cacheRead":0.1}}',
      HARNESS_MODEL_MAX_RETRIES: "6",
      HARNESS_MODEL_TIMEOUT_MS: "120000",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:4010",
      UNRELATED: "ignored",
    });
    expect(config).toEqual({
      models: { planner: { model: "claude-opus-5", maxTokens: 32_000 }, judge: { maxTokens: 4_000 } },
      prices: { ...DEFAULT_PRICES, "claude-opus-5": { input: 1, output: 2, cacheWrite: 3, cacheRead: 0.1 } },
      maxRetries: 6,
      timeoutMs: 120_000,
      baseURL: "http://127.0.0.1:4010",
    });
    expect(modelConfigFromEnv({})).toEqual({});
    expect(modelConfigFromEnv({ HARNESS_MODEL_PLANNER: "  " })).toEqual({});
  });

  it.each([
    ["HARNESS_MAX_TOKENS_GENERATOR", "lots", /HARNESS_MAX_TOKENS_GENERATOR: .*number/],
    ["HARNESS_MAX_TOKENS_EVALUATOR", "500000", /HARNESS_MAX_TOKENS_EVALUATOR: .*128000/],
    ["HARNESS_MODEL_PRICES", "{not json", /HARNESS_MODEL_PRICES: is not valid JSON/],
    ["HARNESS_MODEL_PRICES", '{"claude-opus":{"input":-1,"output":25,"cacheWrite":6.25,"cacheRead":0.5}}', /HARNESS_MODEL_PRICES: claude-opus\.input: /],
    ["HARNESS_MODEL_PRICES", '{"claude-opus":{"input":5}}', /HARNESS_MODEL_PRICES: claude-opus\.output: /],
    ["HARNESS_MODEL_MAX_RETRIES", "-1", /HARNESS_MODEL_MAX_RETRIES: /],
    ["HARNESS_MODEL_TIMEOUT_MS", "5", /HARNESS_MODEL_TIMEOUT_MS: /],
    ["ANTHROPIC_BASE_URL", "api.anthropic.com", /ANTHROPIC_BASE_URL: /],
  ])("a bad %s (%s) throws a ModelConfigError naming the key", (key, value, message) => {
    const err = (() => { try { modelConfigFromEnv({ [key]: value }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ModelConfigError);
    expect(err).toMatchObject({ key, code: "MODEL_CONFIG_INVALID", retryable: false });
    expect((err as Error).message).toMatch(message);
  });

  it("an error never echoes the bad value, in case a secret was put in the wrong variable", () => {
    expect(() => modelConfigFromEnv({ HARNESS_MODEL_MAX_RETRIES: "sk-ant-oops-123" })).toThrow(/^(?!.*sk-ant-oops).*$/s);
  });

  it("createModelClient fails at construction on a bad environment", () => {
    expect(() => createModelClient({ env: { HARNESS_MODEL_PRICES: "[]" } })).toThrow(ModelConfigError);
  });

  it("the model and max_tokens sent follow defaults, then the environment, then client options, then the run's own", async () => {
    const env = { HARNESS_MODEL_GENERATOR: "claude-haiku-5-5", HARNESS_MAX_TOKENS_GENERATOR: "2000", HARNESS_MODEL_EVALUATOR: "claude-opus-5" };
    const { server, client } = await serve([{ reply: { text: "ok" } }], { env, models: { evaluator: { maxTokens: 1_000 } } });
    await client.call({ ...ask, role: "planner" });
    await client.call({ ...ask, role: "generator" });
    await client.call({ ...ask, role: "evaluator" });
    await client.call({ ...ask, role: "generator", models: { generator: { model: "claude-sonnet-5" } } });

    expect(server.requests.map((r) => [bodyOf(r).model, bodyOf(r).max_tokens])).toEqual([
      [DEFAULT_MODELS.planner.model, DEFAULT_MODELS.planner.maxTokens],
      ["claude-haiku-5-5", 2_000],
      ["claude-opus-5", 1_000],
      ["claude-sonnet-5", 2_000],
    ]);
  });
});
