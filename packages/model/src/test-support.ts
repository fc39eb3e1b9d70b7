/*
 * Shared by this package's tests only (not exported from index.ts): the real client against a
 * scripted Messages-API server, with retry delays shortened so fault tests stay fast.
 */
import { startScriptedModel, type RecordedRequest, type Script, type ScriptedModel } from "@harness/scripted-model";
import { createModelClient, type ModelClient, type ModelClientOptions, type UsageRecord } from "./client.js";

export const TEST_KEY = "sk-ant-test-key-0123456789abcdef";
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

const open: ScriptedModel[] = [];

export interface Served {
  server: ScriptedModel;
  client: ModelClient;
  usages: UsageRecord[];
  onUsage: (u: UsageRecord) => void;
}

export async function serve(script: Script, opts: ModelClientOptions = {}): Promise<Served> {
  const server = await startScriptedModel({ script });
  open.push(server);
  const client = createModelClient({ apiKey: TEST_KEY, baseURL: server.url, env: {}, retry: FAST_RETRY, ...opts });
  const usages: UsageRecord[] = [];
  return { server, client, usages, onUsage: (u) => void usages.push(u) };
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

/** A recorded request's whole prompt as the server counted it: uncached + cache read + cache write. */
export function inputTotal(rec: RecordedRequest): number {
  const u = rec.usage;
  return u === null ? 0 : u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
}

export interface SentBody {
  model: string;
  max_tokens: number;
  system?: Array<{ text: string; cache_control?: unknown }>;
  tools?: Array<{ name: string; cache_control?: unknown }>;
  tool_choice?: { type: string; name?: string };
  messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
}

export function bodyOf(rec: RecordedRequest | undefined): SentBody {
  if (rec === undefined) throw new Error("no such request");
  return rec.body as SentBody;
}

/** Counts cache_control marks anywhere in a request body (the API allows at most 4). */
export function breakpoints(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + breakpoints(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  return Object.entries(value).reduce((n, [k, v]) => n + (k === "cache_control" && v != null ? 1 : breakpoints(v)), 0);
}

/** The tool_result blocks of a request's last user message. */
export function lastToolResults(rec: RecordedRequest | undefined): Array<{ is_error?: boolean; content?: unknown }> {
  const last = bodyOf(rec).messages.at(-1);
  if (last === undefined || typeof last.content === "string") return [];
  return last.content.filter((b) => b["type"] === "tool_result");
}
