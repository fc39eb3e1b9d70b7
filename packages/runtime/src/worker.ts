import { PermanentError, RetryableError, ValidationError, type Bus, type HandlerContext } from "@harness/bus";
import { BudgetExceeded, evaluatorOfSubject, UsageRecorded, UsageReleased, UsageReserved, WorkFailed, WorkProgress, type Producer, type WorstCase } from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { BudgetExceededError, ModelError, ModelUnavailableError, type BudgetGuard, type UsageRecord } from "@harness/model";
import type { z } from "zod";
import { assertActive, readLedger, runBudgetGuard, RunNotActiveError, type BookReservation, type RunModels } from "./budget.js";
import { derivedId, envelope, randomId } from "./envelope.js";

interface WorkEnvelope { id: string; type: string; runId: string; sprint: number; attempt: number }

export interface WorkContext<M extends WorkEnvelope> {
  msg: M;
  ctx: HandlerContext;
  logger: Logger;
  budget: BudgetGuard;
  /** The run's per-role model choices (RunOptions.models), to pass to every model call. */
  models: RunModels;
  /** Publishes an event caused by this work; its id derives from the work id (redo-safe). */
  emit<S extends z.ZodType>(schema: S, type: string, payload: unknown, opts?: { key?: string }): Promise<void>;
  /** Charges one model call to the run (one event per call id); stored before any result is emitted. */
  recordUsage(u: UsageRecord): Promise<void>;
}

/**
 * How often a handler still running says so (work.progress): well inside the supervisor's stall
 * window (SUPERVISOR_STALL_MS, 15 minutes by default), so checks or builds that run for half an
 * hour are not taken for lost work and dispatched a second time.
 */
export const WORK_PROGRESS_EVERY_MS = 2 * 60_000;

export interface WorkerOptions { progressEveryMs?: number }

/**
 * Wraps a worker's handler with the failure policy every role shares: transient model
 * trouble is redelivered later; a budget refusal, invalid model output or a final delivery
 * becomes an event the supervisor acts on, so a run never waits on work that will not come.
 */
export function workerHandler<M extends WorkEnvelope>(bus: Bus, producer: Producer, fn: (w: WorkContext<M>) => Promise<void>, opts: WorkerOptions = {}) {
  const progressEveryMs = opts.progressEveryMs ?? WORK_PROGRESS_EVERY_MS;
  return async (msg: M, ctx: HandlerContext): Promise<void> => {
    // Usage events are published while the work goes on (the next tool turn, the commit) and are
    // all stored before any result event, so the supervisor has charged a call when it acts on
    // what the call produced, and the work is not acked with a call unrecorded.
    const usagePending = new Set<Promise<void>>();
    let usageFailure: unknown;
    const usageStored = async (): Promise<void> => {
      while (usagePending.size > 0) await Promise.all(usagePending);
      if (usageFailure !== undefined) throw usageFailure;
    };
    const emit: WorkContext<M>["emit"] = async (schema, type, payload, opts) => {
      await usageStored();
      const id = derivedId(msg.id, type, opts?.key ?? "");
      // The schema validates at publish time; the envelope is built generically.
      await bus.publish(schema, envelope(type, payload, msg, producer, { id }) as z.input<typeof schema>, { ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}) });
    };
    const ref = workRef(msg, ctx.subject);
    // A custom evaluator's usage names it, so its subject is the one its NATS user may publish.
    const usageOf = ref.evaluator !== undefined ? { evaluator: ref.evaluator } : {};
    const own = { costUsd: 0, tokens: 0, reservedUsd: 0, reservedTokens: 0 };
    // This work's reservations not settled yet, by id: what each holds of own.reserved*.
    const open = new Map<string, WorstCase>();
    const unhold = (id: string | undefined): void => {
      const w = id !== undefined ? open.get(id) : undefined;
      if (!w || id === undefined) return;
      open.delete(id);
      own.reservedUsd -= w.costUsd;
      own.reservedTokens -= w.tokens;
    };
    // One durable write before each model call: acknowledged by JetStream before the request
    // goes out, so a worker killed at any instant after it leaves a reservation the supervisor
    // charges. Not stored, not sent: the call fails (retryable: NATS is away) and nothing is spent.
    const book: BookReservation = async (worst, call) => {
      const reservationId = randomId();
      const event = envelope("usage.reserved", { reservationId, ...usageOf, role: call.role, model: call.model, worstCase: worst, delivery: ctx.deliveryCount }, msg, producer, { id: reservationId });
      await untilPublished(() => bus.publish(UsageReserved, event), () => ctx.working(), ctx.logger, RESERVE_RETRY_MS);
      open.set(reservationId, worst);
      own.reservedUsd += worst.costUsd;
      own.reservedTokens += worst.tokens;
      return {
        id: reservationId,
        release: async (reason) => {
          unhold(reservationId);
          const released = envelope("usage.released", { reservationId, ...usageOf, reason }, msg, producer, { id: derivedId(reservationId, "usage.released") });
          await untilPublished(() => bus.publish(UsageReleased, released), () => ctx.working(), ctx.logger);
        },
      };
    };
    const recordUsage = async (u: UsageRecord) => {
      unhold(u.reservationId);
      own.costUsd += u.costUsd;
      own.tokens += u.usage.inputTokens + u.usage.outputTokens + u.usage.cacheCreationInputTokens + u.usage.cacheReadInputTokens;
      // One id per call made, never the provider's message id: a scripted model restarted, a
      // proxy or another provider may repeat those, and a repeated id is dropped as a duplicate,
      // leaving a call unpaid (the budget fails open). Publish retries reuse this envelope.
      const id = u.reservationId !== undefined ? derivedId(u.reservationId, "usage.recorded") : randomId();
      const payload = { callId: u.callId, ...usageOf, role: u.role, model: u.model, usage: u.usage, costUsd: u.costUsd, ...(u.reservationId !== undefined ? { reservationId: u.reservationId } : {}) };
      const usage = envelope("usage.recorded", payload, msg, producer, { id });
      // A call that was answered has been paid for: keep trying through a NATS outage rather than
      // fail the work (which would redo the call uncharged). The id makes retries store once.
      // A failure is kept for usageStored() to throw: it may settle before anyone awaits it.
      const publishing: Promise<void> = untilPublished(() => bus.publish(UsageRecorded, usage), () => ctx.working(), ctx.logger)
        .catch((err: unknown) => { usageFailure ??= err; })
        .finally(() => usagePending.delete(publishing));
      usagePending.add(publishing);
    };
    const started = Date.now();
    const about = { role: producer.role, work: msg.type, ...ref };
    let beats = 0;
    // Best effort: a progress event that cannot be published changes nothing but the stall clock.
    // Each delivery counts its own beats: a redelivery's would otherwise repeat ids already folded.
    const progress = setInterval(() => {
      const id = derivedId(msg.id, "work.progress", String(ctx.deliveryCount), String(++beats));
      const event = envelope("work.progress", { ...about, elapsedMs: Date.now() - started }, msg, producer, { id });
      bus.publish(WorkProgress, event).catch((err: unknown) => ctx.logger.warn({ err }, "work progress not published"));
    }, progressEveryMs);
    progress.unref();
    try {
      // Work of a finished or cancelled run is dropped before it starts.
      const ledger = await readLedger(bus, msg.runId);
      const readAt = Date.now();
      assertActive(ledger, msg.runId);
      const budget = runBudgetGuard(bus, msg.runId, { ledger, readAt }, () => own, book);
      const work: WorkContext<M> = { msg, ctx, logger: ctx.logger, budget, models: ledger?.models ?? {}, emit, recordUsage };
      await fn(work);
      await usageStored();
    } catch (err) {
      // Whatever happens next (a failure event, a redelivery), the calls made so far are charged.
      await Promise.all(usagePending);
      if (err instanceof RunNotActiveError) { ctx.logger.info({ err }, "dropping work of an inactive run"); return; }
      if (err instanceof BudgetExceededError) {
        // The numbers travel with the refusal: the supervisor checks them against its own ledger.
        await emit(BudgetExceeded, "budget.exceeded", { kind: err.kind, limit: err.limit, used: err.used, detail: err.message.slice(0, 2_000), ...ref, ...(err.refused ? { refused: err.refused } : {}) });
        return;
      }
      if (err instanceof ModelUnavailableError) {
        if (ctx.deliveryCount < ctx.maxDeliver) throw new RetryableError(err.message, err.retryAfterMs, { cause: err });
        // Nothing wrong with the work or the run: the supervisor pauses the run and holds the work
        // for a resume once the model is back, so the message has done its job.
        const reason = `the model stayed unavailable over ${ctx.deliveryCount} deliveries: ${err.message}`;
        await emit(WorkFailed, "work.failed", { ...about, reason, code: err.code });
        return;
      } else if (err instanceof ModelError && !err.retryable) {
        await emit(WorkFailed, "work.failed", { ...about, reason: err.message, code: err.code });
        return;
      } else if (err instanceof PermanentError) {
        await emit(WorkFailed, "work.failed", { ...about, reason: err.message, code: "PERMANENT" });
        throw err;
      }
      if (ctx.deliveryCount >= ctx.maxDeliver) {
        const reason = `gave up after ${ctx.deliveryCount} deliveries: ${err instanceof Error ? err.message : String(err)}`;
        await emit(WorkFailed, "work.failed", { ...about, reason, code: "MAX_DELIVERIES" });
      }
      throw err;
    } finally {
      clearInterval(progress);
    }
  };
}

const USAGE_RETRY_MS = 10 * 60_000;
/** A reservation is worth waiting for less: nothing has been spent yet, the work can be redelivered. */
const RESERVE_RETRY_MS = 60_000;

async function untilPublished(publish: () => Promise<unknown>, keepAlive: () => void, logger: Logger, retryMs = USAGE_RETRY_MS): Promise<void> {
  const deadline = Date.now() + retryMs;
  // Capped at 1 s: a publish costs little, and a record still waiting is lost if the process dies.
  for (let delay = 250; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      await publish();
      return;
    } catch (err) {
      if (err instanceof ValidationError || Date.now() + delay > deadline) throw err;
      logger.warn({ err, retryInMs: delay }, "usage not stored yet; retrying");
      try { keepAlive(); } catch { /* disconnected: the ack timer resumes after reconnect */ }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The evaluator (from the subject) and contract round (from the payload) a work item is for. */
function workRef(msg: WorkEnvelope, subject: string): { evaluator?: string; round?: number } {
  const evaluator = evaluatorOfSubject(subject);
  const round = (msg as { payload?: { round?: unknown } }).payload?.round;
  return { ...(evaluator !== undefined ? { evaluator } : {}), ...(typeof round === "number" ? { round } : {}) };
}
