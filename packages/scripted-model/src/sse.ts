import type { ServerResponse } from "node:http";
import type { OutBlock, OutMessage } from "./reply.js";

export interface SseEvent { event: string; data: unknown }

const CHUNK_CHARS = 24;

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK_CHARS) out.push(text.slice(i, i + CHUNK_CHARS));
  return out;
}

function blockEvents(block: OutBlock, index: number): SseEvent[] {
  const start = block.type === "text" ? { ...block, text: "" } : { ...block, input: {} };
  const deltas = block.type === "text"
    ? chunks(block.text).map((text) => ({ type: "text_delta", text }))
    : chunks(JSON.stringify(block.input)).map((partial_json) => ({ type: "input_json_delta", partial_json }));
  return [
    { event: "content_block_start", data: { type: "content_block_start", index, content_block: start } },
    ...deltas.map((delta) => ({ event: "content_block_delta", data: { type: "content_block_delta", index, delta } })),
    { event: "content_block_stop", data: { type: "content_block_stop", index } },
  ];
}

/** The event sequence the real API sends for one message, text and tool input split into deltas. */
export function messageEvents(message: OutMessage): SseEvent[] {
  const { usage } = message;
  const startUsage = { ...usage, output_tokens: Math.min(1, usage.output_tokens) };
  const start = { ...message, content: [], stop_reason: null, stop_sequence: null, usage: startUsage };
  return [
    { event: "message_start", data: { type: "message_start", message: start } },
    { event: "ping", data: { type: "ping" } },
    ...message.content.flatMap(blockEvents),
    {
      event: "message_delta",
      data: {
        type: "message_delta",
        delta: { stop_reason: message.stop_reason, stop_sequence: null },
        usage: {
          input_tokens: usage.input_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          output_tokens: usage.output_tokens,
        },
      },
    },
    { event: "message_stop", data: { type: "message_stop" } },
  ];
}

/** Where a cut or error lands by default: after message_start, inside the content, before message_stop. */
export function defaultCutPoint(events: readonly SseEvent[]): number {
  return Math.min(events.length - 1, Math.max(3, Math.floor(events.length / 2)));
}

export function writeSseHead(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
}

export function writeSseEvent(res: ServerResponse, e: SseEvent): void {
  if (!res.destroyed) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
}
