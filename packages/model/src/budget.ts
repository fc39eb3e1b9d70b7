import type { ModelRole } from "@harness/contracts";
import type { Price } from "./pricing.js";

/** Fail-closed budget: reject before sending when the worst case does not fit. */
export interface BudgetGuard {
  /**
   * Throws BudgetExceededError when `worstCase` does not fit the run's remaining budget. A guard
   * that returns a reservation has stored it durably: the client sends its id with the request,
   * settles it with the usage record (UsageRecord.reservationId) or releases it when no answer came.
   */
  reserve(worstCase: WorstCase, call: CallInfo): Promise<Reservation | void> | Reservation | void;
}

/** The call a reservation is for. */
export interface CallInfo { role: ModelRole; model: string }

export interface Reservation {
  id: string;
  /** The call was never answered (every attempt failed, or it was aborted): nothing is charged. */
  release(reason: string): Promise<void>;
}

export interface WorstCase { tokens: number; costUsd: number }

/*
 * Deliberately pessimistic: ~3.5 characters per token overcounts English and JSON for Claude's
 * tokenizer, so a reservation errs towards refusing rather than overspending.
 */
const CHARS_PER_TOKEN = 3.5;

/** Rough token estimate used only for the budget reservation (worst case, before sending). */
export function estimateTokens(value: unknown): number {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * The most a request can cost: every prompt token at the dearest input rate (a cache write), and
 * `max_tokens` of output. A reply is never longer than max_tokens, so the charge fits inside.
 */
export function worstCaseOf(requestBody: unknown, maxTokens: number, price: Price): WorstCase {
  const input = estimateTokens(requestBody);
  const inputRate = Math.max(price.input, price.cacheWrite, price.cacheRead);
  return { tokens: input + maxTokens, costUsd: (input * inputRate + maxTokens * price.output) / 1_000_000 };
}

/**
 * The most any one call of this model could cost: a full context window of input at the dearest
 * input rate and the largest max_tokens a run may set. The supervisor holds a worker's claimed
 * worst case to this, so a refusal cannot claim a call dearer than any call can be.
 */
export const MAX_CONTEXT_TOKENS = 1_000_000;
export const MAX_OUTPUT_TOKENS = 128_000;

export function callCeiling(price: Price): WorstCase {
  const inputRate = Math.max(price.input, price.cacheWrite, price.cacheRead);
  return { tokens: MAX_CONTEXT_TOKENS + MAX_OUTPUT_TOKENS, costUsd: (MAX_CONTEXT_TOKENS * inputRate + MAX_OUTPUT_TOKENS * price.output) / 1_000_000 };
}
