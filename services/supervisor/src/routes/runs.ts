import { CreateRunRequest, RunControl, RunOptions, RunRequested, RunState, RunStatus } from "@harness/contracts";
import { KvConflictError } from "@harness/bus";
import { derivedId, envelope, randomId } from "@harness/runtime";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppDeps } from "../app.js";
import { errors } from "../errors.js";
import { initialState } from "../reducer.js";
import { runSummary, runView } from "../views.js";

const API = { role: "api" as const, instance: "supervisor-api" };
const RunParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "run ids use letters, digits, '_' and '-'") });
const ListQuery = z.strictObject({
  status: RunStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const ControlBody = z.strictObject({ comment: z.string().max(10_000).optional() }).default({});

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new errors.InvalidRequest(`invalid ${where}: ${z.prettifyError(r.error)}`);
  return r.data;
}

export async function loadRun(deps: AppDeps, id: string): Promise<RunState> {
  const entry = await deps.bus.runs.get(id);
  if (!entry) throw new errors.RunNotFound(id);
  return RunState.parse(entry.value);
}

export async function runRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.post("/runs", { preHandler: deps.auth }, async (req, reply) => {
    const body = parseOr400(CreateRunRequest, req.body, "body");
    const options = parseOr400(RunOptions, body.options ?? {}, "options");
    const key = req.headers["idempotency-key"];
    const id = typeof key === "string" && key.length > 0 ? `r${derivedId("idempotency", key).slice(0, 24)}` : `r${randomId().slice(0, 24)}`;
    const now = new Date().toISOString();
    try {
      await deps.bus.runs.create(id, initialState(id, body.prompt, options, now));
    } catch (err) {
      if (err instanceof KvConflictError) return reply.code(200).send({ id, existing: true });
      throw err;
    }
    const msg = envelope("run.requested", { prompt: body.prompt, options }, { id: null, runId: id, sprint: 0, attempt: 0 }, API, { id: derivedId(id, "run.requested") });
    await deps.bus.publish(RunRequested, msg);
    return reply.code(201).header("location", `/runs/${id}`).send({ id });
  });

  app.get("/runs", async (req) => {
    const q = parseOr400(ListQuery, req.query, "query");
    const keys = (await deps.bus.runs.keys()).sort().reverse();
    const states: RunState[] = [];
    for (const key of keys) {
      const entry = await deps.bus.runs.get(key);
      const parsed = entry ? RunState.safeParse(entry.value) : undefined;
      if (parsed?.success && (!q.status || parsed.data.status === q.status)) states.push(parsed.data);
    }
    states.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { total: states.length, limit: q.limit, offset: q.offset, runs: states.slice(q.offset, q.offset + q.limit).map(runSummary) };
  });

  app.get("/runs/:id", async (req) => runView(await loadRun(deps, parseOr400(RunParams, req.params, "path").id)));

  for (const action of ["pause", "resume", "cancel", "approve"] as const) {
    app.post(`/runs/:id/${action}`, { preHandler: deps.auth }, async (req, reply) => {
      const { id } = parseOr400(RunParams, req.params, "path");
      const body = parseOr400(ControlBody, req.body ?? {}, "body");
      const state = await loadRun(deps, id);
      if (["completed", "failed", "cancelled"].includes(state.status)) throw new errors.Conflict(`run ${id} is ${state.status}; it cannot ${action}`);
      const msg = envelope("run.control", { action, ...(body.comment ? { comment: body.comment } : {}) }, { id: null, runId: id, sprint: state.currentSprint, attempt: 0 }, API);
      await deps.bus.publish(RunControl, msg);
      return reply.code(202).send({ id, action, accepted: true });
    });
  }
}
