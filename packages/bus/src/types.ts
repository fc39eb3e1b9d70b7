import type { ArtifactRef } from "@harness/contracts";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";

export type { Logger };

export interface ConnectOptions {
  url: string;
  /** Connection name shown by the server (e.g. `generator-<pod>`). */
  name: string;
  user?: string | undefined;
  pass?: string | undefined;
  /** Where replies come (`_INBOX_<user>` when a user is given: see inboxPrefix in contracts). */
  inboxPrefix?: string | undefined;
  logger?: Logger | undefined;
}

export interface ProvisionOptions {
  /** Evaluators that get a durable `evaluator-<name>`; defaults to `["core"]`. */
  evaluators?: readonly string[] | undefined;
  ackWaitMs?: number | undefined;
  /** Handler attempts before dead-lettering. */
  maxDeliver?: number | undefined;
}

export interface PublishOptions {
  subject?: string | undefined;
  /** W3C traceparent to continue (a handler passes `ctx.traceparent`); a new trace starts when absent. */
  traceparent?: string | undefined;
  headers?: Record<string, string> | undefined;
}

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

export interface ConsumeOptions {
  concurrency?: number | undefined;
  maxDeliver?: number | undefined;
  backoffMs?: readonly number[] | undefined;
  /** Stream the durable lives on; defaults to HARNESS_EVENTS for `supervisor`, else HARNESS_WORK. */
  stream?: string | undefined;
}

export interface HandlerContext {
  subject: string;
  seq: number;
  deliveryCount: number;
  maxDeliver: number;
  headers: Record<string, string>;
  traceparent: string | undefined;
  /** Resets the ack timer now; the bus already does this every ackWait/3 while the handler runs. */
  working(): void;
  /** Child bound to consumer, msgId and runId. */
  logger: Logger;
}

export type Handler<S extends z.ZodType> = (msg: z.output<S>, ctx: HandlerContext) => Promise<void>;

export interface BusConsumer {
  /** Stops fetching, waits for in-flight handlers. */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

export interface RunStore {
  /** `size`: bytes of the stored JSON. */
  get(key: string): Promise<{ value: unknown; revision: number; size: number } | null>;
  /** Throws KvConflictError when the key exists. */
  create(key: string, value: unknown): Promise<number>;
  /**
   * Throws KvConflictError on a stale revision. `opts.json` is `value` already encoded, for a
   * caller that needed the JSON anyway (to know its size): it is written as is.
   */
  update(key: string, value: unknown, revision: number, opts?: { json?: string }): Promise<number>;
  /** Unconditional write, for values with a single writer (e.g. a run's ledger). */
  put(key: string, value: unknown): Promise<number>;
  /** Keys matching a subject-style filter; the default `*` lists run states (ids have no dots). */
  keys(filter?: string): Promise<string[]>;
  /** The same keys with their latest revision, read from headers only: what a cache of values checks against. */
  revisions(filter?: string): Promise<Map<string, number>>;
}

export interface ArtifactStore {
  put(data: Uint8Array | AsyncIterable<Uint8Array>): Promise<ArtifactRef>;
  /** Throws ArtifactIntegrityError when the bytes do not hash to a `sha256-<digest>` name. */
  get(name: string): Promise<Uint8Array | null>;
  /** Like get; a mismatch found only at the end errors the stream there, with the same error. */
  getStream(name: string): Promise<ReadableStream<Uint8Array> | null>;
  has(name: string): Promise<boolean>;
}

export interface DeadLetter {
  seq: number;
  subject: string;
  originalSubject: string;
  consumer: string;
  reason: string;
  deliveries: number;
  time: string;
  /** utf8 of the original bytes, truncated to 64 KB. */
  payload: string;
}

export interface DeadLetters {
  /** Oldest first. */
  list(opts?: { limit?: number | undefined }): Promise<DeadLetter[]>;
  /** How many are held: the stream's message count, no message read. */
  count(): Promise<number>;
  get(seq: number): Promise<DeadLetter | null>;
  /**
   * Republishes the original payload to its original subject with a fresh msg id, then deletes the
   * dead letter. Throws RoutingError, keeping the letter, when its consumer does not read that subject.
   */
  redrive(seq: number): Promise<void>;
}

export interface StoredEvent {
  seq: number;
  subject: string;
  time: string;
  /** Parsed JSON; the raw text when the bytes are not JSON. */
  message: unknown;
}

export interface ReadEventsOptions {
  /** Exclusive stream sequence to start after. */
  afterSeq?: number | undefined;
  limit?: number | undefined;
}

export interface Tail {
  stop(): Promise<void>;
}

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly logger: Logger;
  provision(opts?: ProvisionOptions): Promise<void>;
  ensureEvaluatorConsumer(name: string): Promise<void>;
  publish<S extends z.ZodType>(schema: S, msg: z.input<S>, opts?: PublishOptions): Promise<PublishResult>;
  consume<S extends z.ZodType>(consumer: string, schema: S, handler: Handler<S>, opts?: ConsumeOptions): BusConsumer;
  readonly runs: RunStore;
  readonly artifacts: ArtifactStore;
  readonly dlq: DeadLetters;
  readRunEvents(runId: string, opts?: ReadEventsOptions): Promise<StoredEvent[]>;
  tailRunEvents(runId: string, afterSeq: number, onEvent: (e: StoredEvent) => void): Promise<Tail>;
  close(): Promise<void>;
}
