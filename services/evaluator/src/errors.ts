/** Errors of the evaluator service, each with a stable code. */
export class EvaluatorError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EvaluatorError";
    this.code = code;
  }
}

/** The artifact named by the work is not in the object store: retrying will not bring it. */
export class ArtifactMissingError extends EvaluatorError {
  constructor(name: string, options?: ErrorOptions) {
    super("EVAL_ERR_ARTIFACT_MISSING", `artifact ${name} is missing from the object store`, options);
    this.name = "ArtifactMissingError";
  }
}

/** A prompt or calibration file could not be read at boot. */
export class PromptLoadError extends EvaluatorError {
  constructor(name: string, options?: ErrorOptions) {
    super("EVAL_ERR_PROMPT_LOAD", `prompt ${name} could not be read`, options);
    this.name = "PromptLoadError";
  }
}

/** Exploratory QA used its turns, tokens or time: the findings reported so far still count. */
export class ExploreBudgetReachedError extends EvaluatorError {
  constructor(what: string, options?: ErrorOptions) {
    super("EVAL_ERR_EXPLORE_BUDGET", `exploration stopped: ${what}`, options);
    this.name = "ExploreBudgetReachedError";
  }
}

/** A fresh copy of the product for exploration or replay could not be installed or started. */
export class FreshStartError extends EvaluatorError {
  constructor(message: string, options?: ErrorOptions) {
    super("EVAL_ERR_FRESH_START", message, options);
    this.name = "FreshStartError";
  }
}

export const errors = { EvaluatorError, ArtifactMissingError, PromptLoadError, ExploreBudgetReachedError, FreshStartError };
