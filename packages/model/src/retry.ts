import Anthropic from "@anthropic-ai/sdk";
import { setTimeout as delay } from "node:timers/promises";
import { ModelRequestError, ModelUnavailableError } from "./errors.js";

/*
 * Our own retry loop replaces the SDK's (the client is built with maxRetries 0): one place decides
 * how often a call is retried, so attempts never multiply, the delays are configurable (tests),
 * and a long retry-after becomes a delayed bus redelivery instead of a worker blocked in sleep.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Back-off before retry n is base * 2^(n-1), capped at maxDelayMs, then jittered down by up to half. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server-requested wait longer than this is not slept through: the call fails at once, retryable. */
  maxRetryAfterMs: number;
  /** Delay suggested for redelivery when giving up without a retry-after from the server. */
  redeliverAfterMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
  redeliverAfterMs: 10_000,
});

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  status: number | undefined;
  reason: string;
}

interface Transient { status: number | undefined; reason: string; retryAfterMs: number | undefined }

const RETRYABLE_STATUS = (status: number): boolean => status === 408 || status === 409 || status === 429 || status >= 500;

/** Returns the transient fault to retry, or throws the error that ends the call. */
function transientOrThrow(err: unknown): Transient {
  if (err instanceof Anthropic.APIUserAbortError) throw err;
  if (err instanceof Anthropic.APIConnectionTimeoutError) return { status: undefined, reason: "request timed out", retryAfterMs: undefined };
  if (err instanceof Anthropic.APIConnectionError) return { status: undefined, reason: "connection failed", retryAfterMs: undefined };
  if (err instanceof Anthropic.APIError) {
    const status = err.status ?? 0;
    const should = err.headers?.get("x-should-retry");
    // The server's explicit verdict wins over the status table, as the SDK itself does.
    const retry = should === "true" || (should !== "false" && RETRYABLE_STATUS(status));
    if (!retry) throw new ModelRequestError(`model request rejected (status ${status}): ${err.message}`, status, { cause: err });
    return { status, reason: `status ${status}`, retryAfterMs: retryAfterOf(err.headers) };
  }
  // undici can fail while reading a body whose headers already arrived: still a dropped connection.
  if (err instanceof TypeError && /terminated|other side closed|ECONNRESET/i.test(`${err.message} ${String(err.cause)}`)) {
    return { status: undefined, reason: "connection reset", retryAfterMs: undefined };
  }
  throw err;
}

/** `retry-after-ms` (non-standard, precise) first, then `retry-after` as seconds or an HTTP date. */
export function retryAfterOf(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs `send` until it succeeds, retrying transient faults within the policy. Errors a retry
 * will not fix are thrown as they are classified; exhaustion is a ModelUnavailableError.
 */
export async function withRetries<T>(
  send: () => Promise<T>,
  policy: RetryPolicy,
  opts: { signal?: AbortSignal | undefined; onRetry?: ((n: RetryNotice) => void) | undefined } = {},
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    let fault: Transient;
    try {
      return { value: await send(), attempts: attempt };
    } catch (err) {
      fault = transientOrThrow(err);
      const tooLong = fault.retryAfterMs !== undefined && fault.retryAfterMs > policy.maxRetryAfterMs;
      if (attempt > policy.maxRetries || tooLong) {
        const why = tooLong ? `the endpoint asked to wait ${fault.retryAfterMs} ms` : `${attempt} attempts`;
        throw new ModelUnavailableError(`model endpoint unavailable (${fault.reason}) after ${why}`, fault.retryAfterMs ?? policy.redeliverAfterMs, {
          cause: err, attempts: attempt, ...(fault.status === undefined ? {} : { status: fault.status }),
        });
      }
    }
    const wait = fault.retryAfterMs ?? backoffMs(attempt, policy);
    opts.onRetry?.({ attempt, delayMs: Math.round(wait), status: fault.status, reason: fault.reason });
    await sleep(wait, opts.signal);
  }
}

async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    // Surface the caller's own abort reason, as signal.throwIfAborted() elsewhere does.
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}
