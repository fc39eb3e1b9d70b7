import { ModelChoice, ModelRole } from "@harness/contracts";
import { z } from "zod";
import { ModelConfigError } from "./errors.js";
import { DEFAULT_PRICES, PriceTable } from "./pricing.js";

/** Environment variables read by modelConfigFromEnv; `<ROLE>` is PLANNER, GENERATOR, EVALUATOR or JUDGE. */
export const MODEL_ENV = {
  model: (role: ModelRole) => `HARNESS_MODEL_${role.toUpperCase()}`,
  maxTokens: (role: ModelRole) => `HARNESS_MAX_TOKENS_${role.toUpperCase()}`,
  prices: "HARNESS_MODEL_PRICES",
  maxRetries: "HARNESS_MODEL_MAX_RETRIES",
  timeoutMs: "HARNESS_MODEL_TIMEOUT_MS",
  baseURL: "ANTHROPIC_BASE_URL",
} as const;

/** What the environment can set; spread into createModelClient's options. Never holds the API key. */
export interface ModelEnvConfig {
  models?: Partial<Record<ModelRole, ModelChoice>>;
  prices?: PriceTable;
  maxRetries?: number;
  timeoutMs?: number;
  baseURL?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const modelId = ModelChoice.shape.model.unwrap();
const maxTokens = z.coerce.number().pipe(ModelChoice.shape.maxTokens.unwrap());
const retries = z.coerce.number().int().min(0).max(10);
const timeout = z.coerce.number().int().min(1_000).max(60 * 60_000);
const url = z.url({ protocol: /^https?$/ });

function parse<T>(key: string, schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  // Name the key and the field; never echo the raw value (a misplaced secret must not reach a log).
  const issues = result.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.map(String).join(".")}: ` : ""}${i.message}`);
  throw new ModelConfigError(key, issues.join("; "));
}

function set(env: Env, key: string): string | undefined {
  const value = env[key]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function pricesFrom(raw: string): PriceTable {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ModelConfigError(MODEL_ENV.prices, "is not valid JSON", { cause: err });
  }
  // Overrides merge over the defaults: pricing one model must not leave the others unpriced.
  return { ...DEFAULT_PRICES, ...parse(MODEL_ENV.prices, PriceTable, json) };
}

/**
 * Model settings from the environment, validated once at boot: a bad value throws a
 * ModelConfigError naming its key. Explicit createModelClient options and a run's own
 * `models` still win over these.
 */
export function modelConfigFromEnv(env: Env = process.env): ModelEnvConfig {
  const out: ModelEnvConfig = {};
  const models: Partial<Record<ModelRole, ModelChoice>> = {};
  for (const role of ModelRole.options) {
    const model = set(env, MODEL_ENV.model(role));
    const tokens = set(env, MODEL_ENV.maxTokens(role));
    const choice: ModelChoice = {};
    if (model !== undefined) choice.model = parse(MODEL_ENV.model(role), modelId, model);
    if (tokens !== undefined) choice.maxTokens = parse(MODEL_ENV.maxTokens(role), maxTokens, tokens);
    if (model !== undefined || tokens !== undefined) models[role] = choice;
  }
  if (Object.keys(models).length > 0) out.models = models;
  const prices = set(env, MODEL_ENV.prices);
  if (prices !== undefined) out.prices = pricesFrom(prices);
  const maxRetries = set(env, MODEL_ENV.maxRetries);
  if (maxRetries !== undefined) out.maxRetries = parse(MODEL_ENV.maxRetries, retries, maxRetries);
  const timeoutMs = set(env, MODEL_ENV.timeoutMs);
  if (timeoutMs !== undefined) out.timeoutMs = parse(MODEL_ENV.timeoutMs, timeout, timeoutMs);
  const baseURL = set(env, MODEL_ENV.baseURL);
  if (baseURL !== undefined) out.baseURL = parse(MODEL_ENV.baseURL, url, baseURL);
  return out;
}
