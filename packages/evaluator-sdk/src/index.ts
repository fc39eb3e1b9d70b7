export { defineEvaluator } from "./define.js";
export { runEvaluator, DEFAULT_TIMEOUT_MS } from "./run.js";
export { toVerdict } from "./verdict.js";
export { EvaluatorSdkError, DefinitionError, ResultError, ArtifactMissingError, EvaluationTimeoutError, errors } from "./errors.js";

export type {
  CriterionInput, CriterionSpec, EvaluationContext, EvaluationOutcome, Evaluator, EvaluatorDefinition, RunCommandOptions,
} from "./define.js";
export type { RunEvaluatorOptions, RunningEvaluator } from "./run.js";
export type { EvaluationRequested, Evidence, Verdict } from "@harness/contracts";
export type { CommandResult } from "@harness/workspace";
