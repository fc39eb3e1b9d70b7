import { RunState, STREAMS } from "@harness/contracts";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppDeps } from "../app.js";
import { errors } from "../errors.js";
import { consumerLag } from "../registry.js";
import { loadRun, parseOr400 } from "./runs.js";

const SeqParams = z.object({ id: z.coerce.number().int().positive() });
const ArtifactParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), ref: z.string().regex(/^sha256-[a-f0-9]{64}$/, "artifact refs look like sha256-<64 hex>") });

export async function opsRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get("/healthz", async () => ({ ok: true }));

  app.get("/readyz", async (_req, reply) => {
    const connected = !deps.bus.nc.isClosed();
    let streams = false;
    if (connected) {
      try { await Promise.all(Object.values(STREAMS).map((s) => deps.bus.jsm.streams.info(s))); streams = true; } catch { streams = false; }
    }
    const ready = connected && streams;
    return reply.code(ready ? 200 : 503).send({ ready, nats: connected, streams });
  });

  app.get("/services", async () => {
    const services = deps.registry.list();
    const evaluators = [...new Set(["core", ...services.filter((s) => s.role === "evaluator").map((s) => s.name)])];
    return { services, lag: await consumerLag(deps.bus, evaluators) };
  });

  app.get("/dlq", async () => ({ deadLetters: await deps.bus.dlq.list({ limit: 500 }) }));

  app.post("/dlq/:id/redrive", { preHandler: deps.auth }, async (req, reply) => {
    const { id } = parseOr400(SeqParams, req.params, "path");
    const letter = await deps.bus.dlq.get(id);
    if (!letter) throw new errors.DeadLetterNotFound(String(id));
    await deps.bus.dlq.redrive(id);
    return reply.code(202).send({ id, redriven: true, subject: letter.originalSubject });
  });

  app.get("/runs/:id/artifacts/:ref", async (req, reply) => {
    const { id, ref } = parseOr400(ArtifactParams, req.params, "path");
    const state = await loadRun(deps, id);
    const known = state.sprints.some((s) => s.attempts.some((a) => a.build?.artifact.name === ref || Object.values(a.verdicts).some((v) => v.criteria.some((c) => c.evidence.some((e) => e.artifact?.name === ref)))));
    if (!known) throw new errors.RunNotFound(`${id}/artifacts/${ref}`);
    const bytes = await deps.bus.artifacts.get(ref);
    if (!bytes) throw new errors.RunNotFound(`${id}/artifacts/${ref}`);
    const isPng = bytes[0] === 0x89 && bytes[1] === 0x50;
    return reply.header("content-type", isPng ? "image/png" : "application/x-tar").header("content-disposition", `attachment; filename="${ref}${isPng ? ".png" : ".tar"}"`).send(Buffer.from(bytes));
  });

  app.get("/metrics", async (_req, reply) => {
    const m = deps.metrics;
    m.runsByStatus.reset();
    for (const key of await deps.bus.runs.keys()) {
      const entry = await deps.bus.runs.get(key);
      const parsed = entry ? RunState.safeParse(entry.value) : undefined;
      if (parsed?.success) m.runsByStatus.inc({ status: parsed.data.status });
    }
    m.deadLetters.set((await deps.bus.dlq.list({ limit: 10_000 })).length);
    for (const [consumer, lag] of Object.entries(await consumerLag(deps.bus, ["core"]))) m.consumerLag.set({ consumer }, lag);
    return reply.header("content-type", m.registry.contentType).send(await m.registry.metrics());
  });
}
