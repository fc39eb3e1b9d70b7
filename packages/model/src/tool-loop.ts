import type Anthropic from "@anthropic-ai/sdk";
import type { ModelRole } from "@harness/contracts";
import { z } from "zod";
import { estimateTokens } from "./budget.js";
import type { CallOptions, MessageParam, ModelClient } from "./client.js";
import { formatNote, freshStart, noteFromReply, noteRequestMessages, PROGRESS_NOTE_TOOL, progressNoteTool } from "./progress-note.js";
import { toApiTool, type AnyTool, type Tool } from "./tool.js";

export interface ToolLoopOptions extends Omit<CallOptions, "messages" | "tools" | "toolChoice" | "cacheConversation"> {
  role: ModelRole;
  /** The fresh start of the context: built from handoff messages, never an old transcript. */
  prompt: string;
  tools: Tool<never>[] | AnyTool[];
  /** Model turns before the loop stops with stopReason "max_turns". Default 50. */
  maxTurns?: number;
  /**
   * Input tokens a turn may grow to. When the next turn's request would exceed it, the model writes
   * a progress note and the loop continues in a fresh context. Only that note request can go over,
   * by at most one turn's additions (its output and its tool results, each capped).
   */
  contextLimitTokens?: number;
  /** Tool output beyond this is cut in the middle, so one result cannot break the context bound. */
  maxToolResultChars?: number;
  signal?: AbortSignal;
  onTurn?: (turn: number) => void;
}

export interface ToolLoopResult { text: string; turns: number; stopReason: string; resets: number; progressNotes: string[] }

export const DEFAULT_MAX_TURNS = 50;
export const DEFAULT_MAX_TOOL_RESULT_CHARS = 50_000;

type Block = Anthropic.ToolResultBlockParam;

/**
 * The tool-use loop. Tool input that fails validation, and tools that throw, come back to the
 * model as `is_error` results it can correct; only model/transport errors escape.
 */
export async function runToolLoop(client: ModelClient, opts: ToolLoopOptions): Promise<ToolLoopResult> {
  const tools = opts.tools as AnyTool[];
  const limit = opts.contextLimitTokens;
  const apiTools = [...tools, ...(limit ? [progressNoteTool] : [])].map(toApiTool);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const maxTurns = opts.maxTurns ?? DEFAULT_MAX_TURNS;
  const maxChars = opts.maxToolResultChars ?? DEFAULT_MAX_TOOL_RESULT_CHARS;
  const notes: string[] = [];
  let messages = freshStart(opts.prompt, undefined);
  let resets = 0;
  for (let turn = 1; turn <= maxTurns; turn++) {
    opts.signal?.throwIfAborted();
    opts.onTurn?.(turn);
    const { message, usage } = await client.call({ ...opts, messages, tools: apiTools, cacheConversation: true });
    const text = message.content.filter((b) => b.type === "text").map((b) => b.text).join("\n");
    const uses = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    if (uses.length === 0) return { text, turns: turn, stopReason: message.stop_reason ?? "end_turn", resets, progressNotes: notes };

    const results: Block[] = [];
    for (const use of uses) {
      if (message.stop_reason === "max_tokens") {
        // A call cut off mid-input may still validate (a half-written file); never run it.
        results.push(fail(use, "Your reply hit max_tokens and this call was cut off, so it was not run. Make smaller calls."));
      } else if (use.name === PROGRESS_NOTE_TOOL && limit) {
        const note = formatNote(use.input);
        if (note !== undefined) notes.push(note);
        results.push(note === undefined ? fail(use, "invalid progress note") : { type: "tool_result", tool_use_id: use.id, content: "Noted." });
      } else {
        results.push(clip(await runOne(byName.get(use.name), use, opts.signal), maxChars));
      }
    }
    const added: MessageParam[] = [{ role: "assistant", content: message.content }, { role: "user", content: results }];
    messages = [...messages, ...added];

    const sent = usage.usage.inputTokens + usage.usage.cacheReadInputTokens + usage.usage.cacheCreationInputTokens;
    if (limit && turn < maxTurns && sent + estimateTokens(added) > limit) {
      opts.signal?.throwIfAborted();
      const reply = await client.call({
        ...opts, messages: noteRequestMessages(messages), tools: apiTools, cacheConversation: true,
        toolChoice: { type: "tool", name: PROGRESS_NOTE_TOOL },
      });
      const note = noteFromReply(reply.message);
      notes.push(note);
      resets++;
      messages = freshStart(opts.prompt, note);
    }
  }
  return { text: "", turns: maxTurns, stopReason: "max_turns", resets, progressNotes: notes };
}

function fail(use: Anthropic.ToolUseBlock, content: string): Block {
  return { type: "tool_result", tool_use_id: use.id, is_error: true, content };
}

async function runOne(tool: AnyTool | undefined, use: Anthropic.ToolUseBlock, signal?: AbortSignal): Promise<Block> {
  if (!tool) return fail(use, `unknown tool "${use.name}"`);
  const parsed = tool.input.safeParse(use.input);
  if (!parsed.success) return fail(use, `invalid input for ${use.name}:\n${z.prettifyError(parsed.error)}`);
  try {
    const out = await tool.run(parsed.data, signal ? { signal } : {});
    return { type: "tool_result", tool_use_id: use.id, content: out.length > 0 ? out : "(no output)" };
  } catch (err) {
    return fail(use, err instanceof Error ? err.message : String(err));
  }
}

/** Keeps the head and the tail: commands print what they did first and why they failed last. */
function clip(result: Block, max: number): Block {
  const text = result.content;
  if (typeof text !== "string" || text.length <= max) return result;
  const head = Math.floor(max * 0.6);
  const cut = `\n...[${text.length - max} characters cut]...\n`;
  return { ...result, content: `${text.slice(0, head)}${cut}${text.slice(text.length - (max - head))}` };
}
