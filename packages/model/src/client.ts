import Anthropic from "@anthropic-ai/sdk";
import type { ModelChoice, ModelRole, TokenUsage } from "@harness/contracts";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { worstCaseOf, type BudgetGuard } from "./budget.js";
import { cachedConversation, cachedSystem, cachedTools } from "./cache.js";
import { resolveModel } from "./config.js";
import { modelConfigFromEnv } from "./env.js";
import { costOf, DEFAULT_PRICES, priceFor, type PriceTable } from "./pricing.js";
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from "./retry.js";

export type MessageParam = Anthropic.MessageParam;
export type ContentBlock = Anthropic.ContentBlock;
export type ApiTool = Anthropic.Tool;

/** One model call's accounting, published by the caller as a usage event. */
export interface UsageRecord {
  /** One id per logical call, however many HTTP attempts it took. */
  callId: string;
  role: ModelRole;
  model: string;
  usage: TokenUsage;
  costUsd: number;
  /** HTTP attempts behind this record; failed attempts are not charged. Always set by createModelClient. */
  attempts?: number;
  /** The budget reservation this call settles, when the guard made one. */
  reservationId?: string;
}

export interface ModelClientOptions {
  /** Default: ANTHROPIC_API_KEY from `env`. Never logged. */
  apiKey?: string;
  /** Any Anthropic-compatible endpoint. Default: ANTHROPIC_BASE_URL, else the SDK's. */
  baseURL?: string;
  /** Per-role models over DEFAULT_MODELS and HARNESS_MODEL_* / HARNESS_MAX_TOKENS_*; a run's `models` win over these. */
  models?: Partial<Record<ModelRole, ModelChoice>>;
  /** Replaces the price table (default: DEFAULT_PRICES merged with HARNESS_MODEL_PRICES). */
  prices?: PriceTable;
  /** Retries after the first attempt; shorthand for `retry.maxRetries`. */
  maxRetries?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout; a timed-out attempt is retried like a dropped connection. */
  timeoutMs?: number;
  logger?: Logger;
  /** Where defaults come from (see modelConfigFromEnv); explicit options win. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface CallOptions {
  role: ModelRole;
  system: string;
  messages: MessageParam[];
  tools?: ApiTool[];
  toolChoice?: Anthropic.ToolChoice;
  /** Per-run model overrides from RunOptions.models. */
  models?: Partial<Record<ModelRole, ModelChoice>>;
  budget?: BudgetGuard;
  onUsage?: (u: UsageRecord) => Promise<void> | void;
  /** Cache the conversation so far too (tool loops): worth it only when the next call extends it. */
  cacheConversation?: boolean;
  signal?: AbortSignal;
}

export interface CallResult { message: Anthropic.Message; usage: UsageRecord }

export interface ModelClient {
  call(opts: CallOptions): Promise<CallResult>;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export function createModelClient(opts: ModelClientOptions = {}): ModelClient {
  const env = opts.env ?? process.env;
  const fromEnv = modelConfigFromEnv(env);
  const baseURL = opts.baseURL ?? fromEnv.baseURL;
  const client = new Anthropic({
    apiKey: opts.apiKey ?? env["ANTHROPIC_API_KEY"] ?? "scripted-no-key",
    ...(baseURL ? { baseURL } : {}),
    // Retries are ours (retry.ts); SDK retries on top would multiply attempts and hide them.
    maxRetries: 0,
    timeout: opts.timeoutMs ?? fromEnv.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const prices = opts.prices ?? fromEnv.prices ?? DEFAULT_PRICES;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...definedOnly({ maxRetries: opts.maxRetries ?? fromEnv.maxRetries }), ...definedOnly(opts.retry ?? {}) };
  const log = opts.logger;

  return {
    async call(call) {
      const chosen = resolveModel(call.role, fromEnv.models, opts.models, call.models);
      const price = priceFor(chosen.model, prices);
      const tools = cachedTools(call.tools);
      const body: Anthropic.MessageCreateParamsNonStreaming = {
        model: chosen.model,
        max_tokens: chosen.maxTokens,
        system: cachedSystem(call.system),
        messages: call.cacheConversation ? cachedConversation(call.messages) : call.messages,
        ...(tools ? { tools } : {}),
        ...(call.toolChoice ? { tool_choice: call.toolChoice } : {}),
      };
      const ctx = { role: call.role, model: chosen.model };
      call.signal?.throwIfAborted();
      // Before any byte is sent: a guard that throws leaves the endpoint untouched (fail closed);
      // one that reserves has stored the reservation, so a crash from here on is charged.
      const reservation = call.budget ? await call.budget.reserve(worstCaseOf(body, chosen.maxTokens, price), ctx) ?? undefined : undefined;
      const headers: Record<string, string> = { "x-harness-role": call.role, ...(reservation ? { "x-harness-reservation": reservation.id } : {}) };
      const requestOptions = { headers, ...(call.signal ? { signal: call.signal } : {}) };
      let answer: Awaited<ReturnType<typeof withRetries<Anthropic.Message>>>;
      try {
        call.signal?.throwIfAborted();
        answer = await withRetries(() => client.messages.create(body, requestOptions), policy, {
          signal: call.signal,
          // Only what identifies the call and why it is retried: never headers, bodies or the SDK error object.
          onRetry: (n) => log?.warn({ ...ctx, ...n }, "model call retry"),
        });
      } catch (err) {
        // No answer, nothing charged: the reservation is given back (failed attempts are not billed).
        await reservation?.release(err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500));
        throw err;
      }
      const { value: message, attempts } = answer;

      // Usage comes from the one response that succeeded, so retries are never charged twice.
      const usage: TokenUsage = {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheCreationInputTokens: message.usage.cache_creation_input_tokens ?? 0,
        cacheReadInputTokens: message.usage.cache_read_input_tokens ?? 0,
      };
      const record: UsageRecord = {
        callId: message.id || randomUUID(), ...ctx, usage, costUsd: costOf(usage, price), attempts, ...(reservation ? { reservationId: reservation.id } : {}),
      };
      log?.debug({ ...ctx, usage, costUsd: record.costUsd, attempts, stopReason: message.stop_reason }, "model call");
      await call.onUsage?.(record);
      return { message, usage: record };
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
