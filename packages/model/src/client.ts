import Anthropic from "@anthropic-ai/sdk";
import type { ModelChoice, ModelRole, TokenUsage } from "@harness/contracts";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { resolveModel } from "./config.js";
import { BudgetExceededError, ModelRequestError, ModelUnavailableError } from "./errors.js";
import { costOf, DEFAULT_PRICES, priceFor, type PriceTable } from "./pricing.js";

export type MessageParam = Anthropic.MessageParam;
export type ContentBlock = Anthropic.ContentBlock;
export type ApiTool = Anthropic.Tool;

/** One model call's accounting, published by the caller as a usage event. */
export interface UsageRecord { callId: string; role: ModelRole; model: string; usage: TokenUsage; costUsd: number }

/** Fail-closed budget: reject before sending when the worst case does not fit. */
export interface BudgetGuard {
  /** Throws BudgetExceededError when `worstCase` does not fit the run's remaining budget. */
  reserve(worstCase: { tokens: number; costUsd: number }): Promise<void> | void;
}

export interface ModelClientOptions {
  apiKey?: string;
  baseURL?: string;
  models?: Partial<Record<ModelRole, ModelChoice>>;
  prices?: PriceTable;
  /** SDK-level retries with jittered back-off honouring retry-after; one charged call either way. */
  maxRetries?: number;
  timeoutMs?: number;
  logger?: Logger;
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
}

export interface CallResult { message: Anthropic.Message; usage: UsageRecord }

export interface ModelClient {
  call(opts: CallOptions): Promise<CallResult>;
}

/** Rough token estimate used only for the budget reservation (worst case, before sending). */
export function estimateTokens(value: unknown): number {
  return Math.ceil(JSON.stringify(value).length / 3.5);
}

export function createModelClient(opts: ModelClientOptions = {}): ModelClient {
  const client = new Anthropic({
    apiKey: opts.apiKey ?? process.env["ANTHROPIC_API_KEY"] ?? "scripted-no-key",
    ...(opts.baseURL ?? process.env["ANTHROPIC_BASE_URL"] ? { baseURL: opts.baseURL ?? process.env["ANTHROPIC_BASE_URL"] } : {}),
    maxRetries: opts.maxRetries ?? 4,
    timeout: opts.timeoutMs ?? 10 * 60_000,
  });
  const prices = opts.prices ?? DEFAULT_PRICES;

  return {
    async call(call) {
      const chosen = resolveModel(call.role, opts.models, call.models);
      const price = priceFor(chosen.model, prices);
      const system: Anthropic.TextBlockParam[] = [{ type: "text", text: call.system, cache_control: { type: "ephemeral" } }];
      const tools = call.tools?.map((t, i, all) => (i === all.length - 1 ? { ...t, cache_control: { type: "ephemeral" as const } } : t));
      const body: Anthropic.MessageCreateParamsNonStreaming = {
        model: chosen.model,
        max_tokens: chosen.maxTokens,
        system,
        messages: call.messages,
        ...(tools && tools.length > 0 ? { tools } : {}),
        ...(call.toolChoice ? { tool_choice: call.toolChoice } : {}),
      };
      if (call.budget) {
        const input = estimateTokens(body);
        const worst = input + chosen.maxTokens;
        await call.budget.reserve({ tokens: worst, costUsd: (input * price.cacheWrite + chosen.maxTokens * price.output) / 1_000_000 });
      }
      let message: Anthropic.Message;
      try {
        message = await client.messages.create(body, { headers: { "x-harness-role": call.role } });
      } catch (err) {
        throw classify(err);
      }
      const usage: TokenUsage = {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheCreationInputTokens: message.usage.cache_creation_input_tokens ?? 0,
        cacheReadInputTokens: message.usage.cache_read_input_tokens ?? 0,
      };
      const record: UsageRecord = { callId: message.id || randomUUID(), role: call.role, model: chosen.model, usage, costUsd: costOf(usage, price) };
      opts.logger?.debug({ role: call.role, model: chosen.model, usage, stopReason: message.stop_reason }, "model call");
      await call.onUsage?.(record);
      return { message, usage: record };
    },
  };
}

function classify(err: unknown): Error {
  if (err instanceof BudgetExceededError) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return new ModelUnavailableError(`model endpoint unreachable: ${err.message}`, 5_000, { cause: err });
  }
  if (err instanceof Anthropic.APIError) {
    const status = err.status ?? 0;
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      const retryAfter = Number(err.headers?.get?.("retry-after") ?? NaN);
      return new ModelUnavailableError(`model endpoint failed after retries (status ${status}): ${err.message}`, Number.isFinite(retryAfter) ? retryAfter * 1000 : 10_000, { cause: err });
    }
    return new ModelRequestError(`model request rejected (status ${status}): ${err.message}`, status, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
