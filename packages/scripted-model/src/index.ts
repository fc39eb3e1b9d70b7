export { startScriptedModel, DEFAULT_HOST, DEFAULT_PORT } from "./server.js";
export { loadScript, parseScript } from "./load.js";
export { renderTemplate } from "./reply.js";
export { EXPLORER_TOOL } from "./defaults.js";
export { countPromptTokens, estimateTokens } from "./tokens.js";
export {
  ScriptedModelError,
  InvalidScriptError,
  ScriptLoadError,
  ReplyFunctionError,
  ServerStartError,
  errors,
} from "./errors.js";

export type { ScriptedModel, StartOptions, InjectOptions } from "./server.js";
export type { RecordedRequest } from "./record.js";
export type { ScriptRequest } from "./request.js";
export type {
  Script,
  Rule,
  Match,
  TurnMatch,
  Reply,
  ReplyFn,
  ReplyContext,
  StaticReply,
  MessageReply,
  ToolCall,
  StopReason,
  UsageOverride,
  Fault,
  FaultKind,
} from "./schema.js";
export type { OutMessage, OutUsage } from "./reply.js";
export type { PromptInput, PromptUsage } from "./tokens.js";
