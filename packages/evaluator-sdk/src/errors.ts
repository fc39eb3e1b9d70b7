/** Errors of the evaluator SDK; each carries a stable code. */
export class EvaluatorSdkError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EvaluatorSdkError";
    this.code = code;
  }
}

/** defineEvaluator() was given something unusable (a bad name, duplicate criteria). */
export class DefinitionError extends EvaluatorSdkError {
  constructor(message: string, options?: ErrorOptions) {
    super("SDK_ERR_DEFINITION", message, options);
    this.name = "DefinitionError";
  }
}

/** evaluate() returned something that is not a set of criteria; a bug in the evaluator, not the build. */
export class ResultError extends EvaluatorSdkError {
  constructor(message: string, options?: ErrorOptions) {
    super("SDK_ERR_RESULT", message, options);
    this.name = "ResultError";
  }
}

/** The artifact named by the work is not in the object store. */
export class ArtifactMissingError extends EvaluatorSdkError {
  constructor(name: string, options?: ErrorOptions) {
    super("SDK_ERR_ARTIFACT_MISSING", `artifact ${name} is missing from the object store`, options);
    this.name = "ArtifactMissingError";
  }
}

/** evaluate() ran past its time limit. */
export class EvaluationTimeoutError extends EvaluatorSdkError {
  constructor(ms: number, options?: ErrorOptions) {
    super("SDK_ERR_TIMEOUT", `evaluation did not finish within ${ms} ms`, options);
    this.name = "EvaluationTimeoutError";
  }
}

export const errors = { EvaluatorSdkError, DefinitionError, ResultError, ArtifactMissingError, EvaluationTimeoutError };
