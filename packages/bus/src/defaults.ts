/** Defaults of the bus. Services override them through `provision()` and `consume()` options. */
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** Handler attempts before a message is dead-lettered. */
export const DEFAULT_MAX_DELIVER = 5;
export const DEFAULT_BACKOFF_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];
/** JetStream de-duplication window: a re-sent message id within it is stored once. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;
export const DEFAULT_CONCURRENCY = 1;
/** Evaluators provisioned when none are named: routing sends evaluation work to `core` by default. */
export const DEFAULT_EVALUATORS: readonly string[] = ["core"];
/** How long one pull request waits on an idle consumer before the next is issued. */
export const DEFAULT_PULL_EXPIRES_MS = 30_000;
export const DEFAULT_READ_LIMIT = 10_000;
export const DEFAULT_DLQ_LIST_LIMIT = 100;
/** Dead letters expose at most this much of the original payload as text. */
export const DLQ_PAYLOAD_PREVIEW_BYTES = 64 * 1024;
/** A zod report can be as long as the payload; a header has to stay small. */
export const DLQ_REASON_MAX_CHARS = 4_000;
/** Object-store chunk size: below the default 1 MB max_payload, large enough to keep 100 MB at ~200 publishes. */
export const ARTIFACT_CHUNK_BYTES = 512 * 1024;
export const KV_HISTORY = 10;

/** Header names the bus adds beyond those in contracts' HEADERS. */
export const BUS_HEADERS = {
  /** Stream sequence the dead letter had in its original stream. */
  dlqStreamSeq: "Harness-Dlq-Stream-Seq",
  dlqStream: "Harness-Dlq-Stream",
  msgId: "Nats-Msg-Id",
} as const;
