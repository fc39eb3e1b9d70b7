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

/** Who sent an event: a role, and an evaluator's name. */
export interface EventSender { role: string; evaluator?: string | undefined }

/**
 * `harness.events.<runId>.<type>.<role>`, `.evaluator.<name>` for an evaluator. NATS permissions
 * bind a user to subjects, never to what its messages say, so the subject carries the sender:
 * each user may publish only with its own role (and name), and every consumer holds the envelope
 * to the subject its fields give (bus routing), so an event's sender is what its subject says.
 * Without a sender: the form stored before senders were in subjects (`.verdict.produced.<name>`
 * for verdicts), still read from history and accepted from the stream (no generated user may
 * publish it).
 */
export function eventSubject(runId: string, type: string, sender?: EventSender): string {
  const base = `${SUBJECTS.eventsPrefix}.${runId}.${type}`;
  if (sender === undefined) return base;
  return sender.role === "evaluator" ? `${base}.evaluator.${sender.evaluator ?? "core"}` : `${base}.${sender.role}`;
}

/** The subject of an event of the form before senders (see eventSubject). */
export function legacyEventSubject(runId: string, type: string, verdictOf?: string): string {
  return verdictOf === undefined ? eventSubject(runId, type) : `${eventSubject(runId, type)}.${verdictOf}`;
}

/** KV key of a run's ledger (see RunLedger); run states are keyed by the bare run id. */
export function ledgerKey(runId: string): string {
  return `ledger.${runId}`;
}

/** KV key of a calibration's or re-judgement's state (see jobs.ts); two tokens, so never listed as a run. */
export function jobKey(jobId: string): string {
  return `job.${jobId}`;
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

/**
 * The reply subjects of a NATS user: `_INBOX_<user>`. Every request (a JetStream publish's ack, a
 * run-state read, a pull) is answered on the requester's inbox, so with one inbox prefix for all
 * users any user allowed to subscribe to it would read every other user's replies. Each user's
 * permissions allow only its own prefix (packages/nats-config) and the bus connects with it.
 */
export function inboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

export function heartbeatSubject(role: string, name: string): string {
  return `${SUBJECTS.heartbeatPrefix}.${role}.${name}`;
}
