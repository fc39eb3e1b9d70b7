import { CreateRejudgementRequest, Id, JOB_ID_PREFIX, JobState } from "@harness/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ApiError, authErrorResponses, readErrorResponses, RunParams } from "../api-schemas.js";
import type { ApiDeps } from "../deps.js";
import { errors } from "../errors.js";
import { rejudgementReport } from "../job-report.js";
import { createJob, readJob } from "../jobs.js";
import { rejudgementOf } from "../rejudge.js";
import { isTerminalStatus, loadFullRun, loadRun } from "../run-store.js";
import { jobSummary, listJobs } from "./calibrations.js";
import { assertEvaluatorsExist } from "./runs.js";

const JobParams = z.object({ id: Id.describe("re-judgement id") });
const RejudgementView = JobState.omit({ applied: true, pending: true, reservations: true, inputs: true }).extend({ report: z.unknown().describe("per attempt and evaluator: the run's verdict beside the new one, disagreements first") });

/**
 * Re-judgements: a finished run's stored builds judged again by the evaluators as they are now.
 * A job of its own (id, budget, ledger) linked to the run: the run's state, outcome and costs
 * are never touched, its events never folded into the run.
 */
export const rejudgementRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.post("/runs/:id/rejudgements", {
    onRequest: deps.auth,
    schema: {
      tags: ["runs"], summary: "Judge a finished run's stored builds again with the evaluators as they are now (the run is left as it is)", security: [{ bearer: [] }],
      params: RunParams, body: CreateRejudgementRequest.nullish(),
      response: { 201: z.object({ id: z.string(), evaluations: z.number().int(), missing: JobState.shape.missing }), ...authErrorResponses, 409: ApiError.describe("the run has not finished") },
    },
  }, async (req, reply) => {
    const run = await loadFullRun(deps.bus, req.params.id);
    if (!isTerminalStatus(run.status)) throw new errors.Conflict(`run ${run.id} is ${run.status}; only a finished run is re-judged`);
    const body = CreateRejudgementRequest.parse(req.body ?? {});
    if (body.evaluators) await assertEvaluatorsExist(deps, body.evaluators);
    const job = await rejudgementOf(deps.bus, run, body, new Date().toISOString());
    await createJob(deps.bus, job);
    return reply.code(201).header("location", `/rejudgements/${job.id}`).send({ id: job.id, evaluations: job.items.length, missing: job.missing });
  });

  app.get("/runs/:id/rejudgements", {
    onRequest: deps.readAuth,
    schema: { tags: ["runs"], summary: "The run's re-judgements, newest first: original and new verdicts per criterion, disagreements first", params: RunParams, response: { 200: z.object({ runId: z.string(), rejudgements: z.array(z.unknown()) }), ...readErrorResponses } },
  }, async (req) => {
    await loadRun(deps.bus, req.params.id);
    const jobs = await listJobs(deps, "rejudgement", req.params.id);
    return { runId: req.params.id, rejudgements: jobs.map((j) => ({ ...jobSummary(j), evaluators: j.options.evaluators, report: rejudgementReport(j) })) };
  });

  app.get("/rejudgements/:id", {
    onRequest: deps.readAuth,
    schema: { tags: ["runs"], summary: "A re-judgement: its evaluations and the comparison with the run's verdicts", params: JobParams, response: { 200: RejudgementView, ...readErrorResponses } },
  }, async (req) => {
    if (!req.params.id.startsWith(JOB_ID_PREFIX.rejudgement)) throw new errors.JobNotFound(req.params.id);
    const job = await readJob(deps.bus, req.params.id);
    return { ...job, report: rejudgementReport(job) };
  });
};
