import { z } from "zod";
import type { ScriptRequest } from "./request.js";

/*
 * Script schemas. Objects are strict so a misspelt key (`txt:`) is reported by name instead of
 * being silently ignored and producing a confusing reply at run time.
 */

const count = z.number().int().min(1);
const ms = z.number().min(0);

export const TurnMatch = z.union([
  z.number().int().min(0),
  z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }),
]);
export type TurnMatch = z.infer<typeof TurnMatch>;

export const Match = z.strictObject({
  role: z.string().min(1).optional(),
  systemContains: z.string().optional(),
  lastUserContains: z.string().optional(),
  contains: z.string().optional(),
  toolChoice: z.string().min(1).optional(),
  hasTool: z.string().min(1).optional(),
  turn: TurnMatch.optional(),
  model: z.string().min(1).optional(),
  stream: z.boolean().optional(),
  /** Code-only escape hatch for conditions the declarative keys cannot express. */
  predicate: z.custom<(req: ScriptRequest) => boolean>((v) => typeof v === "function", "expected a function").optional(),
});
export type Match = z.infer<typeof Match>;

export const ToolCall = z.strictObject({
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()).optional(),
  id: z.string().min(1).optional(),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const StopReason = z.enum([
  "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded",
]);
export type StopReason = z.infer<typeof StopReason>;

export const UsageOverride = z.strictObject({
  input_tokens: z.number().int().min(0).optional(),
  output_tokens: z.number().int().min(0).optional(),
  cache_creation_input_tokens: z.number().int().min(0).optional(),
  cache_read_input_tokens: z.number().int().min(0).optional(),
});
export type UsageOverride = z.infer<typeof UsageOverride>;

export const MessageReply = z.strictObject({
  text: z.string().optional(),
  toolUse: z.array(ToolCall).optional(),
  stopReason: StopReason.optional(),
  usage: UsageOverride.optional(),
  delayMs: ms.optional(),
  times: count.optional(),
});
export type MessageReply = z.infer<typeof MessageReply>;

const faultBase = { times: count.optional(), delayMs: ms.optional(), message: z.string().optional() };

export const Fault = z.discriminatedUnion("fault", [
  z.strictObject({ fault: z.literal("rate_limit"), retryAfterSeconds: z.number().min(0).optional(), ...faultBase }),
  z.strictObject({ fault: z.literal("overloaded"), ...faultBase }),
  z.strictObject({ fault: z.literal("server_error"), ...faultBase }),
  z.strictObject({
    fault: z.literal("malformed_tool_input"),
    tool: z.string().min(1).optional(),
    input: z.record(z.string(), z.unknown()).optional(),
    text: z.string().optional(),
    ...faultBase,
  }),
  z.strictObject({ fault: z.literal("cut_stream"), text: z.string().optional(), afterEvents: count.optional(), ...faultBase }),
  z.strictObject({ fault: z.literal("stream_error"), errorType: z.string().min(1).optional(), text: z.string().optional(), ...faultBase }),
  z.strictObject({ fault: z.literal("timeout"), ...faultBase }),
  z.strictObject({
    fault: z.literal("http_error"),
    status: z.number().int().min(400).max(599),
    errorType: z.string().min(1).optional(),
    ...faultBase,
  }),
]);
export type Fault = z.infer<typeof Fault>;
export type FaultKind = Fault["fault"];

export type StaticReply = MessageReply | Fault;
/** Programmatic reply (scripts given as objects in code): computed per request, may be async. */
export type ReplyFn = (req: ScriptRequest, ctx: ReplyContext) => StaticReply | Promise<StaticReply>;
export interface ReplyContext {
  /** How many earlier requests this rule served (0 on its first match). */
  callIndex: number;
}
export type Reply = StaticReply | ReplyFn;

/** Validates a static reply, choosing the schema by the presence of `fault` so errors name the right field. */
export function checkStaticReply(value: unknown): z.ZodSafeParseResult<StaticReply> {
  const isFault = typeof value === "object" && value !== null && "fault" in value;
  return isFault ? Fault.safeParse(value) : MessageReply.safeParse(value);
}

export const Reply = z.custom<Reply>().superRefine((value, ctx) => {
  if (typeof value === "function") return;
  const result = checkStaticReply(value);
  for (const issue of result.error?.issues ?? []) {
    ctx.addIssue({ code: "custom", message: issue.message, path: [...issue.path] });
  }
});

export const Rule = z
  .strictObject({
    name: z.string().min(1).optional(),
    match: Match.optional(),
    reply: Reply.optional(),
    replies: z.array(Reply).min(1).optional(),
    once: z.boolean().optional(),
    times: count.optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.reply === undefined) === (rule.replies === undefined)) {
      ctx.addIssue({ code: "custom", message: "a rule needs exactly one of `reply` or `replies`", path: ["reply"] });
    }
    if (rule.once === true && rule.times !== undefined) {
      ctx.addIssue({ code: "custom", message: "use `once` or `times`, not both", path: ["times"] });
    }
  });
export type Rule = z.infer<typeof Rule>;

export const RuleList = z.array(Rule);
export const RuleDocument = z.strictObject({ rules: RuleList });
/** An ordered list of rules, or `{ rules: [...] }` (handy at the top of a YAML file). */
export type Script = Rule[] | { rules: Rule[] };

export function rulesOf(script: Script): Rule[] {
  return Array.isArray(script) ? script : script.rules;
}
