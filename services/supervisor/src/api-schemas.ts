import { BudgetPatch, Id, RunState, RunStatus, ServiceHeartbeat, SprintState, strictInput } from "@harness/contracts";
import { z } from "zod";

/**
 * Request and response shapes of the HTTP API. Requests are validated by them; responses are
 * serialized through them; both become the OpenAPI document.
 */

export const ApiError = z.object({
  error: z.string().describe("stable SUP_ERR_* code"),
  message: z.string(),
  statusCode: z.number().int(),
}).meta({ id: "ApiError" });

export const RunParams = z.object({ id: Id.describe("run id") });

export const ListRunsQuery = z.object({
  status: RunStatus.optional().describe("only runs in this status"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const RunSummary = z.object({
  id: z.string(),
  status: RunStatus,
  reason: z.string(),
  prompt: z.string().describe("first 200 characters"),
  title: z.string().optional(),
  currentSprint: z.number().int(),
  sprints: z.number().int(),
  costUsd: z.number(),
  waitingFor: RunState.shape.waitingFor.describe("what the run waits for: spec_approval and contract_approval are a person's approval at a gate"),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: "RunSummary" });
export type RunSummary = z.infer<typeof RunSummary>;

export const RunList = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  runs: z.array(RunSummary),
});

/** The run without fold bookkeeping (applied ids, outbox, held work, work given out), every sprint in full. */
export const RunView = RunState.omit({ format: true, applied: true, pending: true, held: true, given: true, suspectRefusals: true })
  .extend({
    heldWork: z.number().int().describe("work held back while paused"),
    waitingOn: z.string().optional().describe("a wait nothing will end as things are: \"waiting for evaluator X: no live instance\" (no heartbeat from any instance of an evaluator whose verdict the run awaits)"),
    sprints: z.array(SprintState.omit({ applied: true, archived: true, archiving: true, given: true })),
  })
  .meta({ id: "RunView" });
export type RunView = z.infer<typeof RunView>;

export const CreateRunResponse = z.object({ id: z.string(), existing: z.boolean().optional() });

// Fastify hands an absent body over as null. Bodies are strict to any depth (strictInput): an
// unknown key is refused by name wherever it is.
export const ControlBody = z.strictObject({ comment: z.string().max(10_000).optional() }).nullish();
export const ResumeBody = strictInput(z.strictObject({
  comment: z.string().max(10_000).optional(),
  budget: BudgetPatch.optional().describe("new limits for a paused run; the fields given replace the run's (raise them to go on after a budget pause)"),
}).nullish());
/** Spec comments travel in run.control (10,000 characters at most); contract comments become one change request (4,000). */
export const ReviseBody = z.strictObject({ comments: z.string().trim().min(1, "comments must not be empty").max(10_000) });
export const ReviseContractBody = z.strictObject({ comments: z.string().trim().min(1, "comments must not be empty").max(4_000) });
export const ControlResponse = z.object({ id: z.string(), action: z.string(), accepted: z.boolean() });

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).describe("stream sequence to start after (exclusive)"),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export const StoredEventView = z.object({
  seq: z.number().int().describe("stream sequence; the SSE event id"),
  subject: z.string(),
  time: z.string(),
  message: z.unknown().describe("the event envelope"),
});

export const EventList = z.object({ runId: z.string(), events: z.array(StoredEventView) });

export const ArtifactParams = z.object({
  id: Id,
  ref: z.string().regex(/^sha256-[a-f0-9]{64}$/, "artifact refs look like sha256-<64 hex>"),
});

export const ServiceEntry = ServiceHeartbeat.extend({ lastSeen: z.string(), alive: z.boolean() });
export const ServiceList = z.object({
  services: z.array(ServiceEntry),
  lag: z.record(z.string(), z.number()).describe("pending + unacknowledged work per consumer"),
});

export const DeadLetterView = z.object({
  seq: z.number().int(),
  subject: z.string(),
  originalSubject: z.string(),
  consumer: z.string(),
  reason: z.string(),
  deliveries: z.number().int(),
  time: z.string(),
  payload: z.string(),
});
export const DeadLetterList = z.object({ deadLetters: z.array(DeadLetterView) });
export const DlqParams = z.object({ id: z.coerce.number().int().positive().describe("dead-letter stream sequence") });
export const RedriveResponse = z.object({ id: z.number().int(), redriven: z.boolean(), subject: z.string() });

export const Health = z.object({ ok: z.boolean() });
export const AuthCheck = z.object({
  ok: z.literal(true),
  reads: z.enum(["open", "token"]).describe("whether reads need the token too (SUPERVISOR_READ_AUTH)"),
});
export const Readiness = z.object({ ready: z.boolean(), nats: z.boolean(), streams: z.boolean() });

/** Standard error responses for the routes that can produce them. */
export const errorResponses = {
  400: ApiError.describe("a parameter or the body is invalid; the message names the field"),
  404: ApiError.describe("not found"),
  503: ApiError.describe("the run store could not be read this time (NATS away, a listing cut short): try again"),
} as const;
export const authErrorResponses = { ...errorResponses, 401: ApiError.describe("missing or invalid bearer token") } as const;
/** On routes that read runs and their data: the token is needed there only with SUPERVISOR_READ_AUTH on. */
export const readAuthResponse = { 401: ApiError.describe("missing or invalid bearer token, when the supervisor runs with SUPERVISOR_READ_AUTH=true") } as const;
export const readErrorResponses = { ...errorResponses, ...readAuthResponse } as const;
