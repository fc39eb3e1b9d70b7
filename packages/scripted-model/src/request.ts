import { z } from "zod";

/*
 * The Messages API request as this server reads it. Loose on purpose: the SDK may send fields we
 * do not model (thinking, stop_sequences...), and those must not turn into 400s.
 */

const ContentBlock = z.looseObject({ type: z.string() });
export type ContentBlock = z.infer<typeof ContentBlock> & Record<string, unknown>;

const MessageParam = z.looseObject({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(ContentBlock)]),
});
export type MessageParam = z.infer<typeof MessageParam>;

const ToolParam = z.looseObject({ name: z.string(), input_schema: z.unknown().optional() });
export type ToolParam = z.infer<typeof ToolParam>;

export const MessagesBody = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(MessageParam),
  system: z.union([z.string(), z.array(ContentBlock)]).optional(),
  tools: z.array(ToolParam).optional(),
  tool_choice: z.looseObject({ type: z.string(), name: z.string().optional() }).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  stream: z.boolean().optional(),
});
export type MessagesBody = z.infer<typeof MessagesBody>;

/** count_tokens takes the same prompt fields but no max_tokens. */
export const CountTokensBody = MessagesBody.omit({ max_tokens: true, stream: true });
export type CountTokensBody = z.infer<typeof CountTokensBody>;

/** What rules, predicates, reply functions and templates see of a request. */
export interface ScriptRequest {
  readonly index: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: MessagesBody;
  /** Explicit role: `x-harness-role` header, else `metadata.user_id`, else a `[role: x]` marker in system. */
  readonly role: string | null;
  readonly model: string;
  /** Assistant turns already in `messages` (0 on the first call of a conversation). */
  readonly turn: number;
  readonly system: string;
  readonly lastUserText: string;
  /** Every text in `messages`, tool_result contents and tool_use inputs included. */
  readonly allText: string;
  readonly lastToolResult: string | null;
  readonly toolNames: readonly string[];
  readonly forcedTool: string | null;
  readonly stream: boolean;
}

export function blockText(block: ContentBlock): string {
  if (block.type === "text" && typeof block["text"] === "string") return block["text"];
  if (block.type === "tool_use") return JSON.stringify(block["input"] ?? {});
  if (block.type === "tool_result") return toolResultText(block);
  return "";
}

function toolResultText(block: ContentBlock): string {
  const content = block["content"];
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((c: unknown) => (isBlock(c) ? blockText(c) : "")).join("\n");
}

function isBlock(value: unknown): value is ContentBlock {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

export function messageText(message: MessageParam): string {
  return typeof message.content === "string" ? message.content : message.content.map(blockText).join("\n");
}

export function systemText(system: MessagesBody["system"]): string {
  if (system === undefined) return "";
  return typeof system === "string" ? system : system.map(blockText).join("\n");
}

function lastToolResult(messages: readonly MessageParam[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const content = messages[i]?.content;
    if (!Array.isArray(content)) continue;
    const results = content.filter((b) => b.type === "tool_result");
    const last = results.at(-1);
    if (last !== undefined) return toolResultText(last);
  }
  return null;
}

const USER_ID_ROLE = /(?:^|[\s;,|/])role\s*[:=]\s*([A-Za-z][\w.-]*)/;
/* Prompts say "role: ..." in prose too, so only explicit markers count in system text. */
const SYSTEM_ROLE = /\[(?:harness-)?role\s*[:=]\s*([\w.-]+)\s*\]|<role>\s*([\w.-]+)\s*<\/role>|\bharness-role\s*[:=]\s*([\w.-]+)/i;

/** Resolves the caller's role; `metadata.user_id` may be the bare role or carry a `role=x` token. */
export function resolveRole(headers: Readonly<Record<string, string>>, body: MessagesBody, system: string): string | null {
  const header = headers["x-harness-role"]?.trim();
  if (header) return header;
  const userId = body.metadata?.user_id?.trim();
  if (userId) return USER_ID_ROLE.exec(userId)?.[1] ?? userId;
  const marker = SYSTEM_ROLE.exec(system);
  return marker?.[1] ?? marker?.[2] ?? marker?.[3] ?? null;
}

export function describeRequest(index: number, path: string, headers: Record<string, string>, body: MessagesBody): ScriptRequest {
  const system = systemText(body.system);
  const lastUser = [...body.messages].reverse().find((m) => m.role === "user");
  const choice = body.tool_choice;
  return {
    index,
    path,
    headers,
    body,
    role: resolveRole(headers, body, system),
    model: body.model,
    turn: body.messages.filter((m) => m.role === "assistant").length,
    system,
    lastUserText: lastUser === undefined ? "" : messageText(lastUser),
    allText: body.messages.map(messageText).join("\n"),
    lastToolResult: lastToolResult(body.messages),
    toolNames: (body.tools ?? []).map((t) => t.name),
    forcedTool: choice?.type === "tool" && choice.name !== undefined ? choice.name : null,
    stream: body.stream === true,
  };
}
