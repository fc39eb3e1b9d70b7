import { createHash } from "node:crypto";

/*
 * Deterministic token estimates: ceil(chars / 4) of the JSON the API would tokenize, which is close
 * enough to real counts for budgets and cost tests while never depending on a tokenizer.
 */

const CHARS_PER_TOKEN = 4;
const TTL_MS = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;
type Ttl = keyof typeof TTL_MS;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** The prompt fields that cost input tokens; SDK request params and parsed bodies both fit. */
export interface PromptInput {
  model: string;
  system?: string | readonly object[] | undefined;
  tools?: readonly object[] | undefined;
  messages: readonly { role: string; content: string | readonly object[] }[];
}

export interface PromptUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Unit { text: string; ttl: Ttl | null }
interface Breakpoint { hash: string; tokens: number; ttl: Ttl }

function ttlOf(value: unknown): Ttl | null {
  if (typeof value !== "object" || value === null || !("cache_control" in value)) return null;
  const control = (value as { cache_control?: { ttl?: unknown } | null }).cache_control;
  if (control === undefined || control === null) return null;
  return control.ttl === "1h" ? "1h" : "5m";
}

/** The breakpoint marker is not part of the cached content, so it must not change the prefix. */
function withoutCacheControl(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const { cache_control: _ignored, ...rest } = value as Record<string, unknown>;
  return JSON.stringify(rest);
}

function unit(value: unknown): Unit {
  return { text: withoutCacheControl(value), ttl: ttlOf(value) };
}

/** Flattens the prompt in the API's cache order: tools, then system, then messages. */
function promptUnits(body: PromptInput): Unit[] {
  const units: Unit[] = (body.tools ?? []).map(unit);
  if (typeof body.system === "string") units.push({ text: body.system, ttl: null });
  else units.push(...(body.system ?? []).map(unit));
  for (const message of body.messages) {
    if (typeof message.content === "string") {
      units.push({ text: JSON.stringify({ role: message.role, content: message.content }), ttl: null });
      continue;
    }
    units.push({ text: JSON.stringify({ role: message.role }), ttl: null });
    units.push(...message.content.map(unit));
  }
  return units;
}

export function countPromptTokens(body: PromptInput): number {
  return estimateTokens(promptUnits(body).reduce((n, u) => n + u.text.length, 0));
}

/**
 * Simulated prompt cache. Each breakpoint's prefix is remembered; a request reads the longest
 * remembered prefix and writes the rest up to its last breakpoint, like the real API's lookback.
 */
export class PromptCache {
  readonly #entries = new Map<string, number>();
  readonly #minTokens: number;
  readonly #now: () => number;

  constructor(opts: { minCacheableTokens?: number; now?: () => number } = {}) {
    this.#minTokens = opts.minCacheableTokens ?? 0;
    this.#now = opts.now ?? Date.now;
  }

  clear(): void {
    this.#entries.clear();
  }

  usage(body: PromptInput): PromptUsage {
    const units = promptUnits(body);
    const hash = createHash("sha256").update(body.model);
    const breakpoints: Breakpoint[] = [];
    let chars = 0;
    for (const u of units) {
      hash.update(u.text).update("\u0000");
      chars += u.text.length;
      if (u.ttl !== null) breakpoints.push({ hash: hash.copy().digest("hex"), tokens: estimateTokens(chars), ttl: u.ttl });
    }
    const total = estimateTokens(chars);
    const cacheable = breakpoints.filter((b) => b.tokens >= this.#minTokens);
    const last = cacheable.at(-1);
    if (last === undefined) return this.#result(total, 0, 0, "5m");

    const now = this.#now();
    const hit = [...cacheable].reverse().find((b) => (this.#entries.get(b.hash) ?? 0) > now);
    const read = hit?.tokens ?? 0;
    const creation = last.tokens - read;
    // Reads refresh the TTL as well, so a conversation kept warm stays cached.
    for (const b of cacheable) this.#entries.set(b.hash, now + TTL_MS[b.ttl]);
    return this.#result(total, creation, read, last.ttl);
  }

  #result(total: number, creation: number, read: number, ttl: Ttl): PromptUsage {
    return {
      input_tokens: total - creation - read,
      cache_creation_input_tokens: creation,
      cache_read_input_tokens: read,
      cache_creation: {
        ephemeral_5m_input_tokens: ttl === "5m" ? creation : 0,
        ephemeral_1h_input_tokens: ttl === "1h" ? creation : 0,
      },
    };
  }
}
