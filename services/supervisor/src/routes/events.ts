import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppDeps } from "../app.js";
import { loadRun, parseOr400 } from "./runs.js";

const Params = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const Query = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(10_000).default(1_000) });
const TERMINAL = new Set(["completed", "failed", "cancelled"]);

export async function eventRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get("/runs/:id/events", async (req, reply) => {
    const { id } = parseOr400(Params, req.params, "path");
    const q = parseOr400(Query, req.query, "query");
    await loadRun(deps, id);
    const accept = req.headers.accept ?? "";
    if (!accept.includes("text/event-stream")) {
      const events = await deps.bus.readRunEvents(id, { afterSeq: q.after, limit: q.limit });
      return { runId: id, events: events.map((e) => ({ seq: e.seq, subject: e.subject, time: e.time, message: e.message })) };
    }
    // SSE: replay from Last-Event-ID (the stream sequence), then follow live.
    const lastId = Number(req.headers["last-event-id"] ?? q.after);
    const after = Number.isFinite(lastId) && lastId >= 0 ? lastId : 0;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write(": connected\n\n");
    const tail = await deps.bus.tailRunEvents(id, after, (e) => {
      const type = (e.message as { type?: string } | null)?.type ?? "event";
      res.write(`id: ${e.seq}\nevent: ${type}\ndata: ${JSON.stringify({ seq: e.seq, time: e.time, message: e.message })}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    const close = () => { clearInterval(keepAlive); void tail.stop(); };
    req.raw.on("close", close);
    // A finished run's stream ends once its history is out, so clients are not left waiting.
    const state = await loadRun(deps, id).catch(() => undefined);
    if (state && TERMINAL.has(state.status) && req.query && (req.query as Record<string, unknown>)["follow"] === "false") { close(); res.end(); }
  });
}
