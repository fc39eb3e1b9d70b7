import type { ReplyFn } from "@harness/scripted-model";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { PROGRESS_NOTE_TOOL } from "./progress-note.js";
import { bodyOf, closeAll, inputTotal, serve } from "./test-support.js";
import { runToolLoop } from "./tool-loop.js";
import type { Tool } from "./tool.js";

afterEach(closeAll);

const BUILD_TURNS = 30;
const LIMIT = 3_000;
/* One turn's additions: a ~2 KB tool result (~500 tokens) plus the call that asked for it. */
const ONE_TURN = 1_000;

/** A model that reads 30 chunks, one per turn, then finishes; asked for a note, it writes one. */
function buildScript(): ReplyFn {
  let reads = 0;
  return (req) => {
    if (req.forcedTool === PROGRESS_NOTE_TOOL) {
      return { toolUse: [{ name: PROGRESS_NOTE_TOOL, input: { done: `read chunks 1-${reads}`, next: `read chunk ${reads + 1}`, decisions: "chunks are independent" } }] };
    }
    reads += 1;
    return reads <= BUILD_TURNS ? { toolUse: [{ name: "read_chunk", input: { n: reads } }] } : { text: "all chunks read" };
  };
}

const readChunk: Tool<{ n: number }> = {
  name: "read_chunk", description: "Read one chunk of the spec", input: z.object({ n: z.number().int() }),
  run: async ({ n }) => `chunk ${n}: ${"lorem ipsum dolor sit amet ".repeat(75)}`,
};

const build = { role: "generator" as const, system: "You build the sprint.", prompt: "Read every chunk of the spec.", tools: [readChunk], maxTurns: 40 };

describe("model - context resets", () => {
  it("a build of 30 tool turns keeps every request's input tokens under a fixed bound", async () => {
    const { server, client } = await serve([{ reply: buildScript() }]);
    const result = await runToolLoop(client, { ...build, contextLimitTokens: LIMIT });

    expect(result).toMatchObject({ text: "all chunks read", turns: BUILD_TURNS + 1, stopReason: "end_turn" });
    expect(result.resets).toBeGreaterThanOrEqual(3);
    expect(result.progressNotes).toHaveLength(result.resets);
    const isNote = (i: number) => bodyOf(server.requests[i]).tool_choice?.name === PROGRESS_NOTE_TOOL;
    const turns = server.requests.filter((_, i) => !isNote(i));
    const notes = server.requests.filter((_, i) => isNote(i));
    expect(turns).toHaveLength(BUILD_TURNS + 1);
    expect(notes).toHaveLength(result.resets);
    // Measured on what the server received: uncached + cache read + cache write tokens.
    for (const rec of turns) expect(inputTotal(rec)).toBeLessThanOrEqual(LIMIT);
    for (const rec of notes) expect(inputTotal(rec)).toBeLessThanOrEqual(LIMIT + ONE_TURN);
  });

  it("after a reset the context is the original prompt plus the progress note, never the old transcript", async () => {
    const { server, client } = await serve([{ reply: buildScript() }]);
    await runToolLoop(client, { ...build, contextLimitTokens: LIMIT });

    const noteAt = server.requests.findIndex((r) => bodyOf(r).tool_choice?.name === PROGRESS_NOTE_TOOL);
    const fresh = bodyOf(server.requests[noteAt + 1]).messages;
    expect(fresh).toHaveLength(1);
    const text = JSON.stringify(fresh[0]?.content);
    expect(text).toContain("Read every chunk of the spec.");
    expect(text).toMatch(/Progress so far[\s\S]*Done: read chunks 1-\d+[\s\S]*Next: read chunk/);
    expect(text).not.toContain("lorem ipsum");
  });

  it("without a context limit the same build grows past that bound", async () => {
    const { server, client } = await serve([{ reply: buildScript() }]);
    const result = await runToolLoop(client, { ...build });

    expect(result.resets).toBe(0);
    expect(Math.max(...server.requests.map(inputTotal))).toBeGreaterThan(3 * (LIMIT + ONE_TURN));
  });
});
