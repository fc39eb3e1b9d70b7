import type { IdSource } from "./ids.js";
import type { ScriptRequest } from "./request.js";
import type { MessageReply, StopReason, ToolCall, UsageOverride } from "./schema.js";
import { estimateTokens, type PromptUsage } from "./tokens.js";

export interface TextBlock { type: "text"; text: string; citations: null }
export interface ToolUseBlock { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
export type OutBlock = TextBlock | ToolUseBlock;

export interface OutUsage extends PromptUsage { output_tokens: number; service_tier: "standard" }

export interface OutMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: OutBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: OutUsage;
}

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

/** `{{lastUserText}}`, `{{lastToolResult}}`, `{{role}}`, `{{turn}}`, `{{model}}`; unknown names stay as written. */
export function renderTemplate(text: string, req: ScriptRequest): string {
  const values: Record<string, string> = {
    lastUserText: req.lastUserText,
    lastToolResult: req.lastToolResult ?? "",
    role: req.role ?? "",
    turn: String(req.turn),
    model: req.model,
  };
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

function renderDeep(value: unknown, req: ScriptRequest): unknown {
  if (typeof value === "string") return renderTemplate(value, req);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, req));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, req)]));
  }
  return value;
}

function wrongValueFor(schema: unknown): unknown {
  const type = typeof schema === "object" && schema !== null ? (schema as { type?: unknown }).type : undefined;
  switch (Array.isArray(type) ? type[0] : type) {
    case "string": return 42;
    case "number":
    case "integer": return "not a number";
    case "boolean": return "yes";
    case "array": return "not an array";
    case "object": return "not an object";
    default: return null;
  }
}

/** An input that breaks the tool's input_schema: every declared property gets a value of the wrong type. */
export function malformedInput(req: ScriptRequest, toolName: string): Record<string, unknown> {
  const tool = (req.body.tools ?? []).find((t) => t.name === toolName);
  const schema = tool?.input_schema as { properties?: Record<string, unknown> } | undefined;
  const properties = Object.entries(schema?.properties ?? {});
  if (properties.length === 0) return { unexpected_property: true };
  return Object.fromEntries(properties.map(([key, prop]) => [key, wrongValueFor(prop)]));
}

export function outputTokens(content: readonly OutBlock[]): number {
  const chars = content.reduce(
    (n, b) => n + (b.type === "text" ? b.text.length : JSON.stringify({ name: b.name, input: b.input }).length),
    0,
  );
  return Math.max(1, estimateTokens(chars));
}

function buildContent(reply: MessageReply, req: ScriptRequest, ids: IdSource): OutBlock[] {
  const content: OutBlock[] = [];
  if (reply.text !== undefined) content.push({ type: "text", text: renderTemplate(reply.text, req), citations: null });
  for (const call of reply.toolUse ?? []) content.push(toolUseBlock(call, req, ids));
  return content;
}

function toolUseBlock(call: ToolCall, req: ScriptRequest, ids: IdSource): ToolUseBlock {
  const input = renderDeep(call.input ?? {}, req) as Record<string, unknown>;
  return { type: "tool_use", id: call.id ?? ids.next("toolu"), name: call.name, input };
}

/*
 * Over-long replies are cut at max_tokens like a real model would be, unless the script set the
 * stop reason itself (then it is testing exactly that and gets what it asked for).
 */
function truncate(content: OutBlock[], reply: MessageReply, maxTokens: number): { content: OutBlock[]; truncated: boolean } {
  if (reply.stopReason !== undefined || outputTokens(content) <= maxTokens) return { content, truncated: false };
  const text = content.filter((b): b is TextBlock => b.type === "text").map((b) => b.text).join("");
  const kept = text.slice(0, maxTokens * 4);
  return { content: kept === "" ? [] : [{ type: "text", text: kept, citations: null }], truncated: true };
}

export function buildMessage(reply: MessageReply, req: ScriptRequest, ids: IdSource, prompt: PromptUsage): OutMessage {
  const { content, truncated } = truncate(buildContent(reply, req, ids), reply, req.body.max_tokens);
  const hasTool = content.some((b) => b.type === "tool_use");
  const stopReason = reply.stopReason ?? (truncated ? "max_tokens" : hasTool ? "tool_use" : "end_turn");
  const usage = applyOverride({ ...prompt, output_tokens: outputTokens(content), service_tier: "standard" }, reply.usage);
  return { id: ids.next("msg"), type: "message", role: "assistant", model: req.model, content, stop_reason: stopReason, stop_sequence: null, usage };
}

function applyOverride(usage: OutUsage, override: UsageOverride | undefined): OutUsage {
  if (override === undefined) return usage;
  const merged = { ...usage };
  if (override.input_tokens !== undefined) merged.input_tokens = override.input_tokens;
  if (override.output_tokens !== undefined) merged.output_tokens = override.output_tokens;
  if (override.cache_read_input_tokens !== undefined) merged.cache_read_input_tokens = override.cache_read_input_tokens;
  if (override.cache_creation_input_tokens !== undefined) {
    merged.cache_creation_input_tokens = override.cache_creation_input_tokens;
    merged.cache_creation = { ephemeral_5m_input_tokens: override.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 };
  }
  return merged;
}
