import {
  BUCKETS, CONSUMERS, EvaluatorName, OBJECT_STORES, STREAMS, SUBJECTS, evaluateSubject, evaluatorConsumer,
} from "@harness/contracts";
import {
  AckPolicy, DeliverPolicy, RetentionPolicy, StorageType,
  type ConsumerConfig, type ConsumerInfo, type JetStreamClient, type JetStreamManager, type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { nanos } from "@nats-io/transport-node";
import { z } from "zod";
import {
  DEFAULT_ACK_WAIT_MS, DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_EVALUATORS, DEFAULT_MAX_DELIVER, KV_HISTORY,
} from "./defaults.js";
import { ValidationError } from "./errors.js";
import { isApiError, API_CODES } from "./nats-errors.js";
import type { ProvisionOptions } from "./types.js";

export interface ConsumerLimits {
  ackWaitMs: number;
  maxDeliver: number;
}

export function resolveLimits(opts: ProvisionOptions = {}): ConsumerLimits {
  const ackWaitMs = opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const maxDeliver = opts.maxDeliver ?? DEFAULT_MAX_DELIVER;
  if (!(ackWaitMs >= 100)) throw new ValidationError(`ackWaitMs must be at least 100, got ${ackWaitMs}`);
  if (!(Number.isInteger(maxDeliver) && maxDeliver >= 1)) throw new ValidationError(`maxDeliver must be a positive integer, got ${maxDeliver}`);
  return { ackWaitMs, maxDeliver };
}

/** Streams, durables, the run bucket and the artifact store; safe to run from every replica at boot. */
export async function provisionAll(js: JetStreamClient, jsm: JetStreamManager, opts: ProvisionOptions = {}): Promise<void> {
  const limits = resolveLimits(opts);
  const evaluators = (opts.evaluators ?? DEFAULT_EVALUATORS).map(parseEvaluatorName);
  const dup = nanos(DEFAULT_DUPLICATE_WINDOW_MS);
  await Promise.all([
    ensureStream(jsm, { name: STREAMS.work, subjects: [SUBJECTS.workAll], retention: RetentionPolicy.Workqueue, storage: StorageType.File, duplicate_window: dup }),
    ensureStream(jsm, { name: STREAMS.events, subjects: [SUBJECTS.eventsAll], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: dup }),
    ensureStream(jsm, { name: STREAMS.dlq, subjects: [SUBJECTS.dlqAll], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: dup }),
  ]);
  await Promise.all([
    ensureConsumer(jsm, STREAMS.work, CONSUMERS.planner, SUBJECTS.workPlan, limits),
    ensureConsumer(jsm, STREAMS.work, CONSUMERS.generator, SUBJECTS.workGenerateAll, limits),
    ensureConsumer(jsm, STREAMS.work, CONSUMERS.reviewer, SUBJECTS.workReview, limits),
    ensureConsumer(jsm, STREAMS.events, CONSUMERS.supervisor, SUBJECTS.eventsAll, limits),
    ...evaluators.map((name) => ensureConsumer(jsm, STREAMS.work, evaluatorConsumer(name), evaluateSubject(name), limits)),
    ensureRunBucket(js, jsm),
    ensureArtifactStore(js),
  ]);
}

export async function ensureEvaluator(jsm: JetStreamManager, name: string, limits: ConsumerLimits): Promise<void> {
  const evaluator = parseEvaluatorName(name);
  await ensureConsumer(jsm, STREAMS.work, evaluatorConsumer(evaluator), evaluateSubject(evaluator), limits);
}

function parseEvaluatorName(name: string): string {
  const r = EvaluatorName.safeParse(name);
  if (!r.success) throw new ValidationError(`invalid evaluator name "${name}": ${z.prettifyError(r.error)}`, r.error.issues);
  return r.data;
}

type StreamSpec = Pick<StreamConfig, "name" | "subjects" | "retention" | "storage" | "duplicate_window">;

async function ensureStream(jsm: JetStreamManager, cfg: StreamSpec): Promise<void> {
  try {
    await jsm.streams.add(cfg);
  } catch (err) {
    // An existing stream with another config: bring the updatable fields in line, keep its data.
    if (!isApiError(err, API_CODES.streamNameInUse)) throw err;
    await jsm.streams.update(cfg.name, { subjects: cfg.subjects, duplicate_window: cfg.duplicate_window });
  }
}

/**
 * The server's max_deliver is one above the bus limit: when the process handling the last allowed
 * attempt dies, that spare delivery lets a consumer dead-letter the message instead of it being
 * stranded in the work queue.
 */
async function ensureConsumer(jsm: JetStreamManager, stream: string, durable: string, filter: string, limits: ConsumerLimits): Promise<void> {
  const ackWait = nanos(limits.ackWaitMs);
  const maxDeliver = limits.maxDeliver + 1;
  let info: ConsumerInfo | null = null;
  try {
    info = await jsm.consumers.info(stream, durable);
  } catch (err) {
    if (!isApiError(err, API_CODES.consumerNotFound)) throw err;
  }
  if (info === null) {
    const cfg: Partial<ConsumerConfig> = {
      durable_name: durable, filter_subject: filter, ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All, ack_wait: ackWait, max_deliver: maxDeliver,
    };
    try {
      await jsm.consumers.add(stream, cfg);
      return;
    } catch (err) {
      // Another replica may have created it between our info and add.
      info = await jsm.consumers.info(stream, durable).catch(() => null);
      if (info === null) throw err;
    }
  }
  if (info.config.ack_wait !== ackWait || info.config.max_deliver !== maxDeliver) {
    await jsm.consumers.update(stream, durable, { ack_wait: ackWait, max_deliver: maxDeliver });
  }
}

async function ensureRunBucket(js: JetStreamClient, jsm: JetStreamManager): Promise<void> {
  const kvm = new Kvm(js);
  try {
    // Opens the bucket as it is when it exists (created earlier with other options, e.g. history).
    await kvm.create(BUCKETS.runs, { history: KV_HISTORY, storage: StorageType.File });
  } catch (err) {
    await kvm.open(BUCKETS.runs).catch(() => { throw err; });
  }
  // Except direct gets: the run store reads by them, and workers' permissions allow no other
  // read of their ledger. A bucket made without them gets them.
  const stream = `KV_${BUCKETS.runs}`;
  const info = await jsm.streams.info(stream);
  if (info.config.allow_direct !== true) await jsm.streams.update(stream, { allow_direct: true });
}

async function ensureArtifactStore(js: JetStreamClient): Promise<void> {
  const objm = new Objm(js);
  try {
    await objm.create(OBJECT_STORES.artifacts, { storage: StorageType.File });
  } catch (err) {
    await objm.open(OBJECT_STORES.artifacts).catch(() => { throw err; });
  }
}
