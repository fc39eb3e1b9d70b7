import type { Price } from "./pricing.js";

/** Fail-closed budget: reject before sending when the worst case does not fit. */
export interface BudgetGuard {
  /** Throws BudgetExceededError when `worstCase` does not fit the run's remaining budget. */
  reserve(worstCase: WorstCase): Promise<void> | void;
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
