export { Role, ModelRole, Id, EvaluatorName, Sha256, ArtifactRef, TokenUsage } from "./common.js";
export { SCHEMA_VERSION, Producer, EnvelopeBase, message } from "./envelope.js";
export { AcceptanceCriterion, Feature, SprintPlanEntry, ProductSpec } from "./spec.js";
export { ProductPath, OutputAssertion, JsonAssertion, CommandCheck, HttpRequestStep, HttpCheck, BrowserStep, BrowserCheck, DataCheck, RubricCheck, Check } from "./checks.js";
export { DeterministicCheck, RegressionSet } from "./regression.js";
export { Retirement } from "./retirement.js";
export { Deliverable, AppRuntime, SprintContract, ChangeRequest, ContractReview } from "./contract.js";
export { Evidence, CriterionResult, Verdict } from "./verdict.js";
export { ModelChoice, Budget, BudgetPatch, ExploreOptions, RunOptions, RunStatus, TERMINAL_STATUSES, CreateRunRequest } from "./run.js";
export {
  PlanRequested, ContractRequested, BuildRequested, SpecExcerpt, ReviewRequested, EvaluationRequested,
  WorkMessage, GeneratorWork, EvaluatorWork,
} from "./work.js";
export {
  RunRequested, SpecProduced, ContractProposed, ContractReviewed, BuildProduced, VerdictProduced,
  UsageRecorded, UsageReserved, UsageReleased, WorstCase, WorkFailed, WORK_FAILED_CODES, WorkProgress, BudgetExceeded, RunControl, RunTransition, EventMessage,
} from "./events.js";
export { ServiceHeartbeat } from "./heartbeat.js";
export { OutboxItem, AttemptState, FinalAcceptance, SprintState, UsageTotals, Reservation, RunLedger, RunState, RunStateFormat, RUN_STATE_FORMAT } from "./state.js";
export {
  SUBJECTS, STREAMS, CONSUMERS, BUCKETS, OBJECT_STORES, HEADERS,
  evaluateSubject, evaluatorOfSubject, evaluatorConsumer, eventSubject, legacyEventSubject, ledgerKey, jobKey, sprintKey, runEventsFilter, dlqSubject, heartbeatSubject, inboxPrefix,
} from "./names.js";
export { workSubject, eventSubjectOf, legacyEventSubjectOf, senderOf } from "./routing.js";
export { EVENT_PRODUCERS, CORE_ONLY_EVENTS, WORK_ROLE, MODEL_ROLES, WORK_REPORTS, holderKey, mayProduce, workHolder } from "./producers.js";
export {
  JOB_ID_PREFIX, JobKind, JobStatus, JobInput, JobVerdict, JobVariant, JobItem, JobOptions, JobState, CreateCalibrationRequest, CreateRejudgementRequest, isJobId,
} from "./jobs.js";
export { MESSAGE_SCHEMAS } from "./catalog.js";
export { renderJsonSchemas } from "./json-schema.js";
export { strictInput } from "./strict-input.js";

export type { EventType } from "./events.js";
export type { EventSender } from "./names.js";
