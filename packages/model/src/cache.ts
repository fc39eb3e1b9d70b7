import type Anthropic from "@anthropic-ai/sdk";

/*
 * Prompt-cache breakpoints. The API caches the prefix up to each marked block, in the order
 * tools -> system -> messages, and allows at most 4 marks per request. We use:
 *   1. the last tool: the tool set is shared by every call of a role even when the system varies;
 *   2. the system prompt: tools + system, the stable prefix of every call of a role;
 *   3. the last message (conversations only): writes the grown conversation for the next turn;
 *   4. the user message before it: the prefix the previous turn wrote, so this turn reads it back.
 * The caller's arrays are never mutated: a loop that kept marks on old messages would soon
 * exceed the limit of 4.
 */

export const MAX_BREAKPOINTS = 4;
const EPHEMERAL = { type: "ephemeral" } as const;

export function cachedSystem(system: string): Anthropic.TextBlockParam[] {
  return [{ type: "text", text: system, cache_control: EPHEMERAL }];
}

export function cachedTools(tools: readonly Anthropic.Tool[] | undefined): Anthropic.Tool[] | undefined {
  if (!tools || tools.length === 0) return undefined;
  return tools.map((t, i) => (i === tools.length - 1 ? { ...t, cache_control: EPHEMERAL } : t));
}

type Block = Anthropic.ContentBlockParam;

/*
 * A string content is a single text block to the API, but a cache prefix is compared as sent:
 * a message marked as blocks on one turn must still be blocks on the next, or the prefix differs.
 */
function asBlocks(message: Anthropic.MessageParam): Anthropic.MessageParam {
  if (message.role === "system" || typeof message.content !== "string") return message;
  return { ...message, content: [{ type: "text", text: message.content }] };
}

function markLastBlock(message: Anthropic.MessageParam): Anthropic.MessageParam {
  if (message.role === "system" || typeof message.content === "string") return message;
  const blocks: Block[] = [...message.content];
  const last = blocks.at(-1);
  // Thinking blocks cannot carry cache_control; such a message just goes unmarked.
  if (last === undefined || last.type === "thinking" || last.type === "redacted_thinking") return message;
  blocks[blocks.length - 1] = { ...last, cache_control: EPHEMERAL } as Block;
  return { ...message, content: blocks };
}

/** Marks the last message and the previous user message (see 3 and 4 above). */
export function cachedConversation(messages: readonly Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  const out = messages.map(asBlocks);
  const lastIndex = out.length - 1;
  const last = out[lastIndex];
  if (last === undefined) return out;
  out[lastIndex] = markLastBlock(last);
  for (let i = lastIndex - 1; i >= 0; i--) {
    const m = out[i];
    if (m?.role === "user") {
      out[i] = markLastBlock(m);
      break;
    }
  }
  return out;
}
