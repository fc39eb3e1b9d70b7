import type { RecordedRequest } from "@harness/scripted-model";

/*
 * The part of each model request that repeats an earlier one, block for block, in the order the
 * API caches a prompt (tools, system, messages). That repeated prefix is what caching can save:
 * set against the tokens actually read from cache, it shows whether the cache breakpoints sit
 * where the repetition is. Tokens are counted the scripted model's way, ceil(chars / 4).
 */

interface Body {
  model?: string;
  tools?: object[];
  system?: string | object[];
  messages?: Array<{ role: string; content: string | object[] }>;
}

function text(block: unknown): string {
  if (typeof block !== "object" || block === null) return JSON.stringify(block);
  const { cache_control: _ignored, ...rest } = block as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** The request's blocks as the cache sees them (cache marks are not content). */
export function promptBlocks(body: unknown): string[] {
  const b = (body ?? {}) as Body;
  const out = (b.tools ?? []).map(text);
  if (typeof b.system === "string") out.push(b.system);
  else out.push(...(b.system ?? []).map(text));
  for (const m of b.messages ?? []) {
    if (typeof m.content === "string") { out.push(JSON.stringify({ role: m.role, content: m.content })); continue; }
    out.push(JSON.stringify({ role: m.role }), ...m.content.map(text));
  }
  return out;
}

const tokens = (chars: number): number => Math.ceil(chars / 4);

/** For each request: tokens of the longest block prefix it shares with any earlier request of the same model. */
export function repeatedPrefixTokens(requests: readonly RecordedRequest[]): number[] {
  const seen: Array<{ model: string; blocks: string[] }> = [];
  return requests.map((r) => {
    const model = (r.body as Body | undefined)?.model ?? "";
    const blocks = promptBlocks(r.body);
    let best = 0;
    for (const earlier of seen) {
      if (earlier.model !== model) continue;
      let chars = 0;
      for (let i = 0; i < blocks.length && blocks[i] === earlier.blocks[i]; i++) chars += blocks[i]?.length ?? 0;
      best = Math.max(best, chars);
    }
    seen.push({ model, blocks });
    return tokens(best);
  });
}
