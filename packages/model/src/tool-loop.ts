import type { ModelRole } from "@harness/contracts";
import { z } from "zod";
import type Anthropic from "@anthropic-ai/sdk";
import type { CallOptions, MessageParam, ModelClient } from "./client.js";
import { toApiTool, type Tool } from "./tool.js";

export interface ToolLoopOptions extends Omit<CallOptions, "messages" | "tools" | "toolChoice"> {
  role: ModelRole;
  /** The fresh start of the context: built from handoff messages, never an old transcript. */
  prompt: string;
  tools: Tool<never>[] | Tool<any>[];
  maxTurns?: number;
  /** When a turn's input nears this many tokens, the loop asks for a progress note and restarts fresh. */
  contextLimitTokens?: number;
  signal?: AbortSignal;
  onTurn?: (turn: number) => void;
}

export interface ToolLoopResult { text: string; turns: number; stopReason: string; resets: number; progressNotes: string[] }

const ProgressNote = z.object({
  done: z.string().describe("What is finished and verified so far"),
  next: z.string().describe("What remains, in order"),
  decisions: z.string().describe("Architectural decisions, known bugs, where things are"),
});

/**
 * The tool-use loop. Tool input that fails validation, and tools that throw, come back to the
 * model as `is_error` results it can correct; only model/transport errors escape.
 */
export async function runToolLoop(client: ModelClient, opts: ToolLoopOptions): Promise<ToolLoopResult> {
  const tools = opts.tools as Tool<any>[];
  const apiTools = tools.map(toApiTool);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const maxTurns = opts.maxTurns ?? 50;
  const notes: string[] = [];
  let messages: MessageParam[] = [{ role: "user", content: opts.prompt }];
  let resets = 0;
  for (let turn = 1; turn <= maxTurns; turn++) {
    opts.signal?.throwIfAborted();
    opts.onTurn?.(turn);
    const { message, usage } = await client.call({ ...opts, messages, tools: apiTools });
    const text = message.content.filter((b) => b.type === "text").map((b) => b.text).join("\n");
    const uses = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    if (message.stop_reason !== "tool_use" || uses.length === 0) {
      return { text, turns: turn, stopReason: message.stop_reason ?? "end_turn", resets, progressNotes: notes };
    }
    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const use of uses) results.push(await runOne(byName.get(use.name), use, opts.signal));
    messages.push({ role: "assistant", content: message.content }, { role: "user", content: results });

    const contextTokens = usage.usage.inputTokens + usage.usage.cacheReadInputTokens + usage.usage.cacheCreationInputTokens + usage.usage.outputTokens;
    if (opts.contextLimitTokens && contextTokens > opts.contextLimitTokens && turn < maxTurns) {
      const note = await writeProgressNote(client, opts, messages);
      notes.push(note);
      resets++;
      messages = [{ role: "user", content: `${opts.prompt}\n\n## Progress so far (you are continuing in a fresh context)\n${note}` }];
    }
  }
  return { text: "", turns: maxTurns, stopReason: "max_turns", resets, progressNotes: notes };
}

async function runOne(tool: Tool<any> | undefined, use: Anthropic.ToolUseBlock, signal?: AbortSignal): Promise<Anthropic.ToolResultBlockParam> {
  const fail = (content: string): Anthropic.ToolResultBlockParam => ({ type: "tool_result", tool_use_id: use.id, is_error: true, content });
  if (!tool) return fail(`unknown tool "${use.name}"`);
  const parsed = tool.input.safeParse(use.input);
  if (!parsed.success) return fail(`invalid input for ${use.name}:\n${z.prettifyError(parsed.error)}`);
  try {
    const out = await tool.run(parsed.data, signal ? { signal } : {});
    return { type: "tool_result", tool_use_id: use.id, content: out.length > 0 ? out : "(no output)" };
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}

async function writeProgressNote(client: ModelClient, opts: ToolLoopOptions, messages: MessageParam[]): Promise<string> {
  const tool = toApiTool({ name: "write_progress_note", description: "Record progress before the context is reset", input: ProgressNote });
  const { message } = await client.call({
    ...opts,
    messages: [...messages.slice(0, -1), { role: "user", content: [...(messages.at(-1)?.content as Anthropic.ToolResultBlockParam[]), { type: "text", text: "Your context is about to be reset. Call write_progress_note with what a fresh you needs to continue." }] }],
    tools: [tool],
    toolChoice: { type: "tool", name: "write_progress_note" },
  });
  const use = message.content.find((b) => b.type === "tool_use");
  const parsed = ProgressNote.safeParse(use?.type === "tool_use" ? use.input : undefined);
  if (!parsed.success) return "(the progress note was unreadable; inspect the workspace and its git log to see what is done)";
  return `Done: ${parsed.data.done}\nNext: ${parsed.data.next}\nDecisions: ${parsed.data.decisions}`;
}
