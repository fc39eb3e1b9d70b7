import createError from "@fastify/error";

/** Supervisor API errors: stable SUP_ERR_* codes with their HTTP status. */
export const errors = {
  Unauthorized: createError("SUP_ERR_UNAUTHORIZED", "missing or invalid bearer token", 401),
  RunNotFound: createError<[string]>("SUP_ERR_RUN_NOT_FOUND", "run %s not found", 404),
  ArtifactNotFound: createError<[string, string]>("SUP_ERR_ARTIFACT_NOT_FOUND", "artifact %s not found in run %s", 404),
  DeadLetterNotFound: createError<[string]>("SUP_ERR_DLQ_NOT_FOUND", "dead letter %s not found", 404),
  JobNotFound: createError<[string]>("SUP_ERR_JOB_NOT_FOUND", "job %s not found", 404),
  RouteNotFound: createError<[string, string]>("SUP_ERR_NOT_FOUND", "no route %s %s", 404),
  InvalidRequest: createError<[string]>("SUP_ERR_INVALID_REQUEST", "%s", 400),
  PayloadTooLarge: createError<[number]>("SUP_ERR_PAYLOAD_TOO_LARGE", "request body is larger than %d bytes", 413),
  UnsupportedMediaType: createError<[string]>("SUP_ERR_UNSUPPORTED_MEDIA_TYPE", "unsupported content-type %s; send application/json", 415),
  Conflict: createError<[string]>("SUP_ERR_CONFLICT", "%s", 409),
  HeadersTooLarge: createError("SUP_ERR_HEADERS_TOO_LARGE", "request headers are larger than the server accepts", 431),
  RequestTimeout: createError("SUP_ERR_REQUEST_TIMEOUT", "the request did not arrive in time", 408),
  NewerStateFormat: createError<[string, number, number]>("SUP_ERR_NEWER_STATE_FORMAT", "run %s has state format %d, newer than this supervisor's %d: a newer replica serves it", 503),
  Unavailable: createError<[string]>("SUP_ERR_UNAVAILABLE", "%s; try again", 503),
  Internal: createError("SUP_ERR_INTERNAL", "internal error", 500),
};

/** Folding could not settle an event (state write conflicts kept happening): redeliver it. */
export class FoldContentionError extends Error {
  readonly code = "SUP_ERR_FOLD_CONTENTION";
  constructor(runId: string) {
    super(`could not fold an event of run ${runId}: state kept changing underneath`);
    this.name = "FoldContentionError";
  }
}

/**
 * A fold step met an event of an archived sprint: it stops before writing anything, so the
 * fold can read that sprint's applied ids from its record and try again. Never leaves the fold.
 */
export class ArchivedSprintEventError extends Error {
  readonly code = "SUP_ERR_ARCHIVED_SPRINT_EVENT";
  constructor(runId: string, sprint: number) {
    super(`an event of run ${runId} belongs to archived sprint ${sprint}`);
    this.name = "ArchivedSprintEventError";
  }
}
