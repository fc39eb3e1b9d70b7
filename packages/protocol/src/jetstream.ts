import { DEFAULT_ACK_WAIT_MS, DEFAULT_BACKOFF_MS, DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_MAX_DELIVER } from "@harness/bus";
import { BUCKETS, CONSUMERS, OBJECT_STORES, STREAMS, SUBJECTS, evaluateSubject, evaluatorConsumer } from "@harness/contracts";

/** A durable pull consumer as `bus.provision()` creates it (checked against a live server in the test). */
export interface DurableSpec {
  durable: string;
  stream: string;
  filter: string;
  /** Who pulls from it: the NATS user. */
  user: string;
}

export interface StreamSpec { name: string; subjects: string[]; retention: "workqueue" | "limits"; storage: "file" }

export const PROTOCOL_STREAMS: readonly StreamSpec[] = [
  { name: STREAMS.work, subjects: [SUBJECTS.workAll], retention: "workqueue", storage: "file" },
  { name: STREAMS.events, subjects: [SUBJECTS.eventsAll], retention: "limits", storage: "file" },
  { name: STREAMS.dlq, subjects: [SUBJECTS.dlqAll], retention: "limits", storage: "file" },
];

/** Every durable, for the built-in evaluator and one custom evaluator per name given. */
export function durables(customEvaluators: readonly string[]): DurableSpec[] {
  return [
    { durable: CONSUMERS.planner, stream: STREAMS.work, filter: SUBJECTS.workPlan, user: "planner" },
    { durable: CONSUMERS.generator, stream: STREAMS.work, filter: SUBJECTS.workGenerateAll, user: "generator" },
    { durable: CONSUMERS.reviewer, stream: STREAMS.work, filter: SUBJECTS.workReview, user: "evaluator" },
    { durable: CONSUMERS.supervisor, stream: STREAMS.events, filter: SUBJECTS.eventsAll, user: "supervisor" },
    ...["core", ...customEvaluators].map((name) => ({
      durable: evaluatorConsumer(name), stream: STREAMS.work, filter: evaluateSubject(name), user: name === "core" ? "evaluator" : `evaluator-${name}`,
    })),
  ];
}

/**
 * The settings every durable gets. The server allows one delivery more than the bus's handler
 * attempts: when the process handling the last attempt dies, that spare delivery lets a consumer
 * dead-letter the message instead of leaving it stranded.
 */
export const CONSUMER_SETTINGS = {
  ackPolicy: "explicit",
  deliverPolicy: "all",
  ackWaitMs: DEFAULT_ACK_WAIT_MS,
  ackWaitEnv: "HARNESS_ACK_WAIT_MS",
  handlerAttempts: DEFAULT_MAX_DELIVER,
  serverMaxDeliver: DEFAULT_MAX_DELIVER + 1,
  backoffMs: [...DEFAULT_BACKOFF_MS],
} as const;

export const DUPLICATE_WINDOW_MS = DEFAULT_DUPLICATE_WINDOW_MS;

export const STORES = {
  runs: { bucket: BUCKETS.runs, stream: `KV_${BUCKETS.runs}`, workerKeys: "ledger.<runId>" },
  artifacts: { bucket: OBJECT_STORES.artifacts, stream: `OBJ_${OBJECT_STORES.artifacts}` },
} as const;
