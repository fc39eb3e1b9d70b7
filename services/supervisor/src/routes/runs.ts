import { KvConflictError } from "@harness/bus";
import { CreateRunRequest, evaluatorConsumer, RunOptions, RunRequested, STREAMS } from "@harness/contracts";
import { derivedId, envelope, randomId } from "@harness/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  authErrorResponses, CreateRunResponse, errorResponses, readAuthResponse, readErrorResponses, ListRunsQuery, RunList, RunParams, RunView,
} from "../api-schemas.js";
import type { ApiDeps } from "../deps.js";
import { errors } from "../errors.js";
import { initialState } from "../reducer.js";
import { loadFullRun } from "../run-store.js";
import { runView } from "../views.js";
import { writeLedger } from "../fold.js";

export const API_PRODUCER = { role: "api" as const, instance: "supervisor-api" };

const IdempotencyHeaders = z.looseObject({ "idempotency-key": z.string().min(1).max(200).optional().describe("repeat a create safely: the same key yields the same run") });

/**
 * A run gated by an evaluator nobody serves would wait for a verdict until the stall watchdog
 * pauses it. An evaluator exists when it is configured, has sent a heartbeat, or has its durable
 * consumer (scaled to zero by KEDA, its work still waits for it there).
 */
export async function assertEvaluatorsExist(deps: ApiDeps, names: readonly string[]): Promise<void> {
  const known = new Set([...deps.evaluators, ...deps.registry.evaluatorNames()]);
  const missing: string[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    try {
      await deps.bus.jsm.consumers.info(STREAMS.work, evaluatorConsumer(name));
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new errors.InvalidRequest(`invalid body: options.evaluators: no evaluator named ${missing.map((n) => `'${n}'`).join(", ")} is configured, running or provisioned (known: ${[...known].sort().join(", ") || "none"})`);
  }
}

export const runRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.post("/runs", {
    onRequest: deps.auth,
    schema: {
      tags: ["runs"], summary: "Start a run from a product prompt", security: [{ bearer: [] }],
      body: CreateRunRequest, headers: IdempotencyHeaders,
      response: { 201: CreateRunResponse, 200: CreateRunResponse.describe("the Idempotency-Key was used before"), ...authErrorResponses },
    },
  }, async (req, reply) => {
    const options = RunOptions.parse(req.body.options ?? {});
    await assertEvaluatorsExist(deps, options.evaluators);
    const key = req.headers["idempotency-key"];
    const id = key ? `r${derivedId("idempotency", key).slice(0, 24)}` : `r${randomId().slice(0, 24)}`;
    try {
      // State first: the fold never sees an event of a run it has no state for.
      const state = initialState(id, req.body.prompt, options, new Date().toISOString());
      await deps.bus.runs.create(id, state);
      await writeLedger(deps.bus, state);
    } catch (err) {
      if (err instanceof KvConflictError) return reply.code(200).send({ id, existing: true });
      throw err;
    }
    // A crash right here leaves a queued run without run.requested; the watchdog re-issues it.
    const msg = envelope("run.requested", { prompt: req.body.prompt, options }, { id: null, runId: id, sprint: 0, attempt: 0 }, API_PRODUCER, { id: derivedId(id, "run.requested") });
    await deps.bus.publish(RunRequested, msg);
    return reply.code(201).header("location", `/runs/${id}`).send({ id });
  });

  app.get("/runs", {
    onRequest: deps.readAuth,
    schema: { tags: ["runs"], summary: "List runs, newest first", querystring: ListRunsQuery, response: { 200: RunList, 400: errorResponses[400], ...readAuthResponse } },
  }, async (req) => {
    const { status, limit, offset } = req.query;
    const runs = (await deps.index.list()).filter((s) => !status || s.status === status);
    return { total: runs.length, limit, offset, runs: runs.slice(offset, offset + limit) };
  });

  app.get("/runs/:id", {
    onRequest: deps.readAuth,
    schema: {
      tags: ["runs"], summary: "A run: state, spec, sprints, attempts, verdicts with per-criterion scores, usage and cost",
      params: RunParams, response: { 200: RunView, ...readErrorResponses },
    },
  }, async (req) => runView(await loadFullRun(deps.bus, req.params.id), deps.registry.liveEvaluators()));
};
