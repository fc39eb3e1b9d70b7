import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { EventList, EventsQuery, readErrorResponses, RunParams } from "../api-schemas.js";
import type { ApiDeps } from "../deps.js";
import { errors } from "../errors.js";
import { loadRun } from "../run-store.js";
import { streamRunEvents } from "../sse.js";

const EventHeaders = z.looseObject({
  accept: z.string().optional().describe("text/event-stream streams live (SSE); anything else returns JSON"),
  "last-event-id": z.string().optional().describe("SSE resume point: the last event id (stream sequence) received"),
});

function resumePoint(header: string | undefined, after: number): number {
  if (header === undefined || header === "") return after;
  if (!/^\d{1,15}$/.test(header.trim())) throw new errors.InvalidRequest("invalid header: last-event-id: expected a stream sequence (a non-negative integer)");
  return Number(header.trim());
}

export const eventRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/runs/:id/events", {
    onRequest: deps.readAuth,
    schema: {
      tags: ["events"],
      summary: "A run's events in order: JSON, or a live SSE stream with Accept: text/event-stream",
      description: "SSE frames carry `id: <seq>` and `event: <type>`; reconnecting with `Last-Event-ID` resumes after it. The stream ends with an `end` event after the run's terminal transition; reconnecting to a finished run with nothing left answers 204.",
      params: RunParams, querystring: EventsQuery, headers: EventHeaders,
      response: { 200: EventList, ...readErrorResponses },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const state = await loadRun(deps.bus, id);
    if (req.headers.accept?.includes("text/event-stream")) {
      await streamRunEvents(deps.bus, deps.streams, state, resumePoint(req.headers["last-event-id"], req.query.after), reply);
      return reply;
    }
    const events = await deps.bus.readRunEvents(id, { afterSeq: req.query.after, limit: req.query.limit });
    return { runId: id, events };
  });
};
