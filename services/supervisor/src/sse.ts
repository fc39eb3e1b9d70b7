import type { ServerResponse } from "node:http";
import type { Bus, StoredEvent } from "@harness/bus";
import type { RunState } from "@harness/contracts";
import type { FastifyReply } from "fastify";
import { isTerminalStatus } from "./run-store.js";

const KEEP_ALIVE_MS = 15_000;
/** A client this far behind is dropped; it reconnects with Last-Event-ID and loses nothing. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 2_000;
const PAGE = 1_000;

/** Open SSE responses, so shutdown can end them instead of waiting on them. */
export class SseStreams {
  private readonly open = new Set<() => void>();
  get size(): number { return this.open.size; }
  add(end: () => void): () => void { this.open.add(end); return () => this.open.delete(end); }
  endAll(): void { for (const end of [...this.open]) end(); }
}

function frame(e: StoredEvent): string {
  const type = (e.message as { type?: unknown } | null)?.type;
  return `id: ${e.seq}\nevent: ${typeof type === "string" ? type : "event"}\ndata: ${JSON.stringify({ seq: e.seq, subject: e.subject, time: e.time, message: e.message })}\n\n`;
}

function endsRun(e: StoredEvent): boolean {
  const m = e.message as { type?: string; payload?: { to?: string } } | null;
  return m?.type === "run.transition" && typeof m.payload?.to === "string" && ["completed", "failed", "cancelled"].includes(m.payload.to);
}

async function readAllAfter(bus: Bus, runId: string, after: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (;;) {
    const page = await bus.readRunEvents(runId, { afterSeq: after, limit: PAGE });
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page.at(-1)!.seq;
  }
}

/**
 * Streams a run's events after `after` (the Last-Event-ID), then follows it live. The stream
 * ends after the run's terminal transition, with an `end` event; a client that reconnects to
 * a finished run with nothing left to read gets 204, which tells EventSource to stop retrying.
 */
export async function streamRunEvents(bus: Bus, streams: SseStreams, state: RunState, after: number, reply: FastifyReply): Promise<void> {
  const runId = state.id;
  // A finished run whose outbox is out has its whole history in the stream: read, send, end.
  const finished = isTerminalStatus(state.status) && state.pending.length === 0;
  const backlog = finished ? await readAllAfter(bus, runId, after) : [];
  if (finished && backlog.length === 0) { await reply.code(204).send(); return; }

  reply.hijack();
  const res: ServerResponse = reply.raw;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
  res.write(`retry: ${RETRY_MS}\n: run ${runId}\n\n`);

  let tail: { stop(): Promise<void> } | undefined;
  let closed = false;
  const keepAlive = setInterval(() => { res.write(": keep-alive\n\n"); }, KEEP_ALIVE_MS);
  const end = (status?: string) => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    forget();
    void tail?.stop();
    if (status && !res.writableEnded) res.write(`event: end\ndata: ${JSON.stringify({ runId, status })}\n\n`);
    if (!res.writableEnded) res.end();
  };
  const forget = streams.add(() => end());
  // The client went away: stop tailing at once, not at the next write.
  res.on("close", () => end());

  const send = (e: StoredEvent) => {
    if (closed) return;
    res.write(frame(e));
    if (res.writableLength > MAX_BUFFERED_BYTES) end();
  };

  if (finished) {
    for (const e of backlog) send(e);
    end(state.status);
    return;
  }
  try {
    tail = await bus.tailRunEvents(runId, after, (e) => {
      send(e);
      // Live: the terminal transition is the supervisor's last word on the run.
      if (endsRun(e)) end((e.message as { payload: { to: string } }).payload.to);
    });
  } catch (err) {
    reply.log.error({ err, runId }, "could not follow the run's events");
    end();
    return;
  }
  // The client may have left while the tail was being set up.
  if (closed) await tail.stop();
}
