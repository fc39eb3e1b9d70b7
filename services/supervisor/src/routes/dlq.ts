import { RoutingError } from "@harness/bus";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { authErrorResponses, DeadLetterList, DlqParams, readAuthResponse, RedriveResponse } from "../api-schemas.js";
import type { ApiDeps } from "../deps.js";
import { errors } from "../errors.js";

export const dlqRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get("/dlq", {
    onRequest: deps.readAuth,
    schema: { tags: ["ops"], summary: "Dead letters, oldest first, with reason and delivery count", response: { 200: DeadLetterList, ...readAuthResponse } },
  }, async () => ({ deadLetters: await deps.bus.dlq.list({ limit: 500 }) }));

  app.post("/dlq/:id/redrive", {
    onRequest: deps.auth,
    schema: {
      tags: ["ops"], summary: "Republish a dead letter to its original subject and remove it", security: [{ bearer: [] }],
      params: DlqParams, response: { 202: RedriveResponse, ...authErrorResponses },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const letter = await deps.bus.dlq.get(id);
    if (!letter) throw new errors.DeadLetterNotFound(String(id));
    try {
      await deps.bus.dlq.redrive(id);
    } catch (err) {
      // A letter naming a subject its consumer never read was not filed by that consumer.
      if (err instanceof RoutingError) throw new errors.Conflict(err.message);
      throw err;
    }
    return reply.code(202).send({ id, redriven: true, subject: letter.originalSubject });
  });
};
