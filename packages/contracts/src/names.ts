/**
 * Every subject, stream, consumer, bucket and store name in one place.
 * Services never write a subject string inline.
 */
export const SUBJECTS = {
  workPlan: "harness.work.plan",
  workContract: "harness.work.generate.contract",
  workBuild: "harness.work.generate.build",
  workGenerateAll: "harness.work.generate.>",
  workReview: "harness.work.review",
  workEvaluatePrefix: "harness.work.evaluate",
  workAll: "harness.work.>",
  eventsPrefix: "harness.events",
  eventsAll: "harness.events.>",
  dlqPrefix: "harness.dlq",
  dlqAll: "harness.dlq.>",
  heartbeatPrefix: "harness.services.heartbeat",
  heartbeatAll: "harness.services.heartbeat.>",
} as const;

export const STREAMS = {
  work: "HARNESS_WORK",
  events: "HARNESS_EVENTS",
  dlq: "HARNESS_DLQ",
} as const;

export const CONSUMERS = {
  planner: "planner",
  generator: "generator",
  reviewer: "evaluator-review",
  supervisor: "supervisor",
  /** One durable per evaluator name: `evaluator-<name>`. */
  evaluatorPrefix: "evaluator",
} as const;

export const BUCKETS = {
  runs: "harness-runs",
} as const;

export const OBJECT_STORES = {
  artifacts: "harness-artifacts",
} as const;

/** Header names the bus reads and writes. */
export const HEADERS = {
  traceparent: "traceparent",
  messageType: "Harness-Type",
  dlqReason: "Harness-Dlq-Reason",
  dlqSubject: "Harness-Dlq-Subject",
  dlqDeliveries: "Harness-Dlq-Deliveries",
  dlqConsumer: "Harness-Dlq-Consumer",
} as const;

export function evaluateSubject(evaluator: string): string {
  return `${SUBJECTS.workEvaluatePrefix}.${evaluator}`;
}

/** The evaluator an evaluation work subject is for; undefined for any other subject. */
export function evaluatorOfSubject(subject: string): string | undefined {
  const prefix = `${SUBJECTS.workEvaluatePrefix}.`;
  return subject.startsWith(prefix) ? subject.slice(prefix.length) : undefined;
}

export function evaluatorConsumer(evaluator: string): string {
  return `${CONSUMERS.evaluatorPrefix}-${evaluator}`;
}

/** `harness.events.<runId>.<type>`; verdicts add the evaluator so permissions can scope them. */
export function eventSubject(runId: string, type: string, qualifier?: string): string {
  return qualifier === undefined
    ? `${SUBJECTS.eventsPrefix}.${runId}.${type}`
    : `${SUBJECTS.eventsPrefix}.${runId}.${type}.${qualifier}`;
}

/** KV key of a run's ledger (see RunLedger); run states are keyed by the bare run id. */
export function ledgerKey(runId: string): string {
  return `ledger.${runId}`;
}

/**
 * KV key of one finished sprint's full record (contract, reviews, attempts, verdicts): the run
 * state keeps a stub for it, so what every fold rewrites does not grow with the sprints behind it.
 */
export function sprintKey(runId: string, sprint: number): string {
  return `sprint.${runId}.${sprint}`;
}

export function runEventsFilter(runId: string): string {
  return `${SUBJECTS.eventsPrefix}.${runId}.>`;
}

export function dlqSubject(consumer: string): string {
  return `${SUBJECTS.dlqPrefix}.${consumer}`;
}

export function heartbeatSubject(role: string, name: string): string {
  return `${SUBJECTS.heartbeatPrefix}.${role}.${name}`;
}
