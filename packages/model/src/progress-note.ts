import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import type { MessageParam } from "./client.js";

/*
 * Context resets. A long build that nears its context limit writes a structured progress note and
 * continues in a fresh context that holds only the original prompt and that note, never the old
 * transcript. The note tool sits in the loop's tool list from the first turn, so the note request
 * shares the exact prefix (tools, system, conversation) of the turn before it and is read from
 * the prompt cache instead of paid for again.
 */

export const PROGRESS_NOTE_TOOL = "write_progress_note";

export const ProgressNote = z.object({
  done: z.string().describe("What is finished and verified so far"),
  next: z.string().describe("What remains, in order"),
  decisions: z.string().describe("Architectural decisions, known bugs, where things are"),
});
export type ProgressNote = z.infer<typeof ProgressNote>;

export const progressNoteTool = {
  name: PROGRESS_NOTE_TOOL,
  description: "Record your progress so you can continue in a fresh context. Call it only when asked to.",
  input: ProgressNote,
};

const NOTE_REQUEST = `Your context is about to be reset. Call ${PROGRESS_NOTE_TOOL} with what a fresh you needs to continue.`;
export const UNREADABLE_NOTE = "(the progress note was unreadable; inspect the workspace and its git log to see what is done)";

export function formatNote(input: unknown): string | undefined {
  const parsed = ProgressNote.safeParse(input);
  if (!parsed.success) return undefined;
  return `Done: ${parsed.data.done}\nNext: ${parsed.data.next}\nDecisions: ${parsed.data.decisions}`;
}

/** The transcript with the note request appended to its last (tool results) user message. */
export function noteRequestMessages(messages: readonly MessageParam[]): MessageParam[] {
  const last = messages.at(-1);
  const head = messages.slice(0, -1);
  if (last === undefined || last.role !== "user") return [...messages, { role: "user", content: NOTE_REQUEST }];
  const content: Anthropic.ContentBlockParam[] = typeof last.content === "string" ? [{ type: "text", text: last.content }] : [...last.content];
  return [...head, { role: "user", content: [...content, { type: "text", text: NOTE_REQUEST }] }];
}

export function freshStart(prompt: string, note: string | undefined): MessageParam[] {
  if (note === undefined) return [{ role: "user", content: prompt }];
  return [{ role: "user", content: `${prompt}\n\n## Progress so far (you are continuing in a fresh context)\n${note}` }];
}

/** The note from the model's forced reply; a fixed fallback rather than an error, so the build goes on. */
export function noteFromReply(message: Anthropic.Message): string {
  const use = message.content.find((b) => b.type === "tool_use" && b.name === PROGRESS_NOTE_TOOL);
  return (use?.type === "tool_use" ? formatNote(use.input) : undefined) ?? UNREADABLE_NOTE;
}
