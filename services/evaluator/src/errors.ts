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

/**
 * The evaluator, not the product, cut the evaluation short: its own shutdown, a browser that
 * crashed or was killed, the machine refusing a process. What ran is no verdict on the product:
 * the work is released for redelivery and done again.
 */
export class EvaluationInterruptedError extends EvaluatorError {
  constructor(reason: string, options?: ErrorOptions) {
    super("EVAL_ERR_INTERRUPTED", `evaluation interrupted: ${reason}`, options);
    this.name = "EvaluationInterruptedError";
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

export const errors = { EvaluatorError, ArtifactMissingError, EvaluationInterruptedError, PromptLoadError, ExploreBudgetReachedError, FreshStartError };
