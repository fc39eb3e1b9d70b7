import { ArtifactRef, CreateCalibrationRequest, ExploreOptions, Id, JOB_ID_PREFIX, JobOptions, JobState, jobKey, isJobId, type JobInput, type JobVariant } from "@harness/contracts";
import { randomId } from "@harness/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ApiError, authErrorResponses, readErrorResponses } from "../api-schemas.js";
import type { ApiDeps } from "../deps.js";
import { errors } from "../errors.js";
import { calibrationReport } from "../job-report.js";
import { createJob, dispatch, emptyUsage, finish, jobItems, readJob, updateJob } from "../jobs.js";
import { assertEvaluatorsExist } from "./runs.js";

/** A corpus of a few dozen variants with their contracts; snapshots travel apart (POST /artifacts). */
const CALIBRATION_BODY_LIMIT = 8 * 1024 * 1024;
/** Snapshots are uploaded base64 in JSON (the API takes JSON only). */
const UPLOAD_BODY_LIMIT = 48 * 1024 * 1024;
/**
 * Evaluations of one job: variants x evaluators x repeats. The job, its verdicts (per criterion,
 * failures' feedback cut short) included, is one KV entry, which NATS holds to 1 MB.
 */
const MAX_ITEMS = 300;

const JobParams = z.object({ id: Id.describe("calibration id") });
const UploadBody = z.strictObject({ base64: z.string().min(1).describe("a workspace snapshot (gzip-compressed tar), base64") });
const JobSummary = z.object({
  id: z.string(), kind: z.string(), status: z.string(), reason: z.string(), runId: z.string().optional(),
  createdAt: z.string(), finishedAt: z.string().optional(), variants: z.number().int(), evaluations: z.number().int(), judged: z.number().int(), costUsd: z.number(),
}).meta({ id: "JobSummary" });
const JobView = JobState.omit({ applied: true, pending: true, reservations: true, inputs: true }).extend({ report: z.unknown().describe("the confusion table (see docs/operations.md)") });

export function jobSummary(j: JobState): z.infer<typeof JobSummary> {
  return {
    id: j.id, kind: j.kind, status: j.status, reason: j.reason, ...(j.runId ? { runId: j.runId } : {}), createdAt: j.createdAt,
    ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}), variants: j.variants.length, evaluations: j.items.length,
    judged: j.items.filter((i) => i.status === "judged").length, costUsd: j.usage.costUsd,
  };
}

/** Every job of a kind, newest first. */
export async function listJobs(deps: ApiDeps, kind: JobState["kind"], runId?: string): Promise<JobState[]> {
  const keys = await deps.bus.runs.keys(jobKey("*"));
  const jobs: JobState[] = [];
  for (const key of keys) {
    const id = key.slice(jobKey("").length);
    if (!isJobId(id)) continue;
    const entry = await deps.bus.runs.get(key);
    const parsed = JobState.safeParse(entry?.value);
    if (parsed.success && parsed.data.kind === kind && (runId === undefined || parsed.data.runId === runId)) jobs.push(parsed.data);
  }
  return jobs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

async function assertArtifactsStored(deps: ApiDeps, refs: ReadonlyArray<{ name: string; artifact: { name: string } }>): Promise<void> {
  const missing: string[] = [];
  for (const r of refs) if (!(await deps.bus.artifacts.has(r.artifact.name))) missing.push(`${r.name} (${r.artifact.name})`);
  if (missing.length > 0) throw new errors.InvalidRequest(`invalid body: artifacts not in the artifact store (upload them with POST /artifacts): ${missing.slice(0, 20).join(", ")}${missing.length > 20 ? ", ..." : ""}`);
}

export const calibrationRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.post("/artifacts", {
    onRequest: deps.auth, bodyLimit: UPLOAD_BODY_LIMIT,
    schema: { tags: ["calibrations"], summary: "Store a workspace snapshot (for a calibration); content addressed", security: [{ bearer: [] }], body: UploadBody, response: { 201: ArtifactRef, ...authErrorResponses } },
  }, async (req, reply) => {
    const bytes = Buffer.from(req.body.base64, "base64");
    // What the evaluator restores: a gzip-compressed tar. Anything else would only fail there.
    if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new errors.InvalidRequest("invalid body: base64 is not a gzip-compressed snapshot (harness snapshots are .tar.gz)");
    const ref = await deps.bus.artifacts.put(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return reply.code(201).send(ref);
  });

  app.post("/calibrations", {
    onRequest: deps.auth, bodyLimit: CALIBRATION_BODY_LIMIT,
    schema: {
      tags: ["calibrations"], summary: "Judge labelled variants (already in the artifact store) with the evaluators, to measure them", security: [{ bearer: [] }],
      body: CreateCalibrationRequest, response: { 201: z.object({ id: z.string(), evaluations: z.number().int() }), ...authErrorResponses },
    },
  }, async (req, reply) => {
    const body = req.body;
    const options = JobOptions.parse({ evaluators: body.evaluators, repeat: body.repeat, concurrency: body.concurrency, budget: body.budget ?? {}, models: body.models ?? {}, rubric: body.rubric });
    await assertEvaluatorsExist(deps, options.evaluators);
    const explore = { ...ExploreOptions.parse({ enabled: false, ...body.explore }), earlierFeatures: [] };
    const inputs: JobInput[] = [];
    const variants: JobVariant[] = [];
    for (const corpus of body.corpora) {
      const shared = inputs.push({ specExcerpt: corpus.specExcerpt, contract: corpus.contract, regression: [], scope: "sprint", explore }) - 1;
      for (const v of corpus.variants) {
        const input = v.contract ? inputs.push({ specExcerpt: corpus.specExcerpt, contract: v.contract, regression: [], scope: "sprint", explore }) - 1 : shared;
        variants.push({ name: `${corpus.name}/${v.name}`, input, artifact: v.artifact, failing: v.failing });
      }
    }
    const names = variants.map((v) => v.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0) throw new errors.InvalidRequest(`invalid body: variant names repeat: ${[...new Set(twice)].join(", ")}`);
    const count = variants.length * options.evaluators.length * options.repeat;
    if (count > MAX_ITEMS) throw new errors.InvalidRequest(`invalid body: ${count} evaluations (variants x evaluators x repeat); at most ${MAX_ITEMS}`);
    await assertArtifactsStored(deps, variants);
    const id = `${JOB_ID_PREFIX.calibration}${randomId().slice(0, 24)}`;
    const now = new Date().toISOString();
    const job = JobState.parse({ id, kind: "calibration", status: "running", createdAt: now, updatedAt: now, options, inputs, variants, items: jobItems(id, variants.length, options.evaluators, options.repeat), usage: emptyUsage() });
    dispatch(job, now);
    await createJob(deps.bus, job);
    return reply.code(201).header("location", `/calibrations/${id}`).send({ id, evaluations: job.items.length });
  });

  app.get("/calibrations", {
    onRequest: deps.readAuth,
    schema: { tags: ["calibrations"], summary: "List calibrations, newest first (never mixed into /runs)", response: { 200: z.object({ calibrations: z.array(JobSummary) }), ...readErrorResponses } },
  }, async () => ({ calibrations: (await listJobs(deps, "calibration")).map(jobSummary) }));

  app.get("/calibrations/:id", {
    onRequest: deps.readAuth,
    schema: { tags: ["calibrations"], summary: "A calibration: its evaluations, verdicts per criterion and the confusion table", params: JobParams, response: { 200: JobView, ...readErrorResponses } },
  }, async (req) => {
    if (!req.params.id.startsWith(JOB_ID_PREFIX.calibration)) throw new errors.JobNotFound(req.params.id);
    const job = await readJob(deps.bus, req.params.id);
    return { ...job, report: calibrationReport(job) };
  });

  app.post("/calibrations/:id/cancel", {
    onRequest: deps.auth,
    schema: { tags: ["calibrations"], summary: "Cancel a calibration: queued evaluations are dropped, running ones stop at their next model call", security: [{ bearer: [] }], params: JobParams, response: { 202: z.object({ id: z.string(), status: z.string() }), ...authErrorResponses, 409: ApiError } },
  }, async (req, reply) => {
    const { id } = req.params;
    const { job } = { job: await readJob(deps.bus, id) };
    if (job.status !== "running") throw new errors.Conflict(`calibration ${id} is ${job.status}`);
    const written = await updateJob(deps.bus, id, (j) => {
      if (j.status !== "running") return null;
      const next = JobState.parse(structuredClone(j));
      finish(next, "cancelled", "cancelled through the API", new Date().toISOString());
      return next;
    });
    return reply.code(202).send({ id, status: written?.status ?? "cancelled" });
  });
};
