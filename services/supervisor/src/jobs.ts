import { KvConflictError, type Bus } from "@harness/bus";
import {
  JobState, jobKey, ledgerKey, mayProduce, senderOf, UsageTotals,
  type EventMessage, type JobItem, type JobVerdict, type RunLedger, type Verdict,
} from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { derivedId } from "@harness/runtime";
import { errors, FoldContentionError } from "./errors.js";
import { publishOutbox } from "./fold.js";
import { SUPERVISOR } from "./steps.js";

/**
 * Calibrations and re-judgements (packages/contracts jobs.ts): evaluation work that belongs to no
 * run. A job's state is one KV entry written with compare-and-set; its ledger has the key a
 * run's has, so workers read its status and budget the same way (they cannot tell it from a
 * run), and its events come through the supervisor's event consumer (handlers.ts routes them
 * here by id). Work goes out through an outbox (`pending`) like a run's: written first, then
 * published with fixed ids, then cleared; a crash in between is finished by the next fold or read.
 */

const MAX_CAS_ATTEMPTS = 20;
/** A job's outbox left this long by a crashed writer is published by whoever reads it next. */
const STALE_OUTBOX_MS = 5_000;
const TERMINAL: ReadonlySet<JobItem["status"]> = new Set(["judged", "failed", "dropped"]);

export const emptyUsage = (): UsageTotals => UsageTotals.parse({ inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, calls: 0 });

export function jobLedger(j: JobState): RunLedger {
  return { id: j.id, status: j.status, budget: j.options.budget, models: j.options.models, usage: j.usage };
}

/** Every evaluation of a job: each variant by each evaluator, `repeat` times; work ids fixed by the job id. */
export function jobItems(jobId: string, variants: number, evaluators: readonly string[], repeat: number): JobItem[] {
  const items: JobItem[] = [];
  for (let v = 0; v < variants; v++) for (const evaluator of evaluators) for (let r = 1; r <= repeat; r++) {
    items.push({ variant: v, evaluator, repeat: r, workId: derivedId(jobId, "eval", items.length), status: "queued" });
  }
  return items;
}

/** Marks queued items dispatched (into the outbox) while fewer than `concurrency` are out. */
export function dispatch(j: JobState, now: string): void {
  if (j.status !== "running") return;
  let out = j.items.filter((i) => i.status === "dispatched").length;
  for (const item of j.items) {
    if (out >= j.options.concurrency) break;
    if (item.status !== "queued") continue;
    item.status = "dispatched";
    item.dispatchedAt = now;
    j.pending.push(item.workId);
    out++;
  }
  if (j.items.every((i) => TERMINAL.has(i.status))) finish(j, "completed", "", now);
}

export function finish(j: JobState, status: JobState["status"], reason: string, now: string): void {
  if (j.status !== "running") return;
  j.status = status;
  j.reason = reason;
  j.finishedAt = now;
  for (const item of j.items) if (!TERMINAL.has(item.status)) { item.status = "dropped"; item.finishedAt = now; }
}

/** Ends a running job whose wall-clock budget is used up; true when it did. */
export function expire(j: JobState, now: string): boolean {
  if (j.status !== "running" || Date.parse(now) - Date.parse(j.createdAt) <= j.options.budget.maxWallClockMs) return false;
  finish(j, "failed", `wall clock budget of ${j.options.budget.maxWallClockMs} ms used up`, now);
  return true;
}

export function compactVerdict(v: Verdict): JobVerdict {
  return {
    evaluator: v.evaluator, passed: v.passed, summary: v.summary.slice(0, 1_000),
    // Feedback of failures only: a job keeps many verdicts in one KV entry.
    criteria: v.criteria.map((c) => ({ checkId: c.checkId, kind: c.kind, passed: c.passed, score: c.score, threshold: c.threshold, feedback: c.passed ? "" : c.feedback.slice(0, 300) })),
  };
}

/** The evaluation message of an item: spec excerpt, contract, artifact (what a run's would carry). */
function outboxItem(j: JobState, workId: string, now: string) {
  const index = j.items.findIndex((i) => i.workId === workId);
  const item = j.items[index]!;
  const variant = j.variants[item.variant]!;
  const input = j.inputs[variant.input]!;
  const message = {
    id: workId, schemaVersion: 1, type: "evaluation.requested", runId: j.id,
    sprint: variant.origin?.sprint ?? input.contract.sprint, attempt: variant.origin?.attempt ?? Math.min(1_000, index + 1),
    causationId: null, producer: SUPERVISOR, time: now,
    payload: { specExcerpt: input.specExcerpt, contract: input.contract, artifact: variant.artifact, regression: input.regression, scope: input.scope, ...(input.explore ? { explore: input.explore } : {}) },
  };
  return { kind: "work" as const, evaluator: item.evaluator, message };
}

/**
 * What one event does to a job, or null when it does nothing (already applied, not the job's, or
 * from a sender that may not send it: only evaluators take part, and a verdict counts only from
 * the evaluator its work was given to).
 */
export function reduceJob(prev: JobState, e: EventMessage, now: string, logger?: Logger): JobState | null {
  if (prev.applied.includes(e.id)) return null;
  const sender = senderOf(e);
  const item = prev.items.find((i) => i.workId === e.causationId);
  const refuse = (why: string) => { logger?.warn({ jobId: prev.id, eventId: e.id, type: e.type }, `job event ignored: ${why}`); return null; };
  if (sender.role !== "evaluator" || !mayProduce("evaluator", e.type)) return refuse(`${sender.role} does not send ${e.type} to a job`);
  if (!item) return refuse("it answers no work of the job");
  // Usage names its evaluator too (its subject does), so every event is held to the item's evaluator.
  if (sender.evaluator !== item.evaluator) return refuse(`evaluator ${sender.evaluator ?? "core"} was not given this work`);
  // Progress changes nothing a job keeps (it has no stall watchdog): not worth a write.
  if (e.type === "work.progress") return null;
  const j = JobState.parse(structuredClone(prev));
  const mine = j.items.find((i) => i.workId === e.causationId)!;
  j.applied.push(e.id);
  j.updatedAt = now;
  const u = j.usage;
  switch (e.type) {
    case "verdict.produced":
      if (mine.status === "dispatched" || mine.status === "queued") Object.assign(mine, { status: "judged", verdict: compactVerdict(e.payload.verdict), finishedAt: now });
      break;
    case "work.failed":
      if (mine.status === "dispatched" || mine.status === "queued") Object.assign(mine, { status: "failed", failure: e.payload.reason.slice(0, 2_000), finishedAt: now });
      break;
    case "budget.exceeded":
      finish(j, "failed", `budget exceeded (${e.payload.kind}): ${e.payload.detail}`.slice(0, 2_000), now);
      break;
    case "usage.reserved": {
      const w = e.payload.worstCase;
      j.reservations[e.payload.reservationId] = w;
      u.reservedUsd += w.costUsd; u.reservedTokens += w.tokens; u.reservedCalls += 1;
      break;
    }
    case "usage.recorded": case "usage.released": {
      const held = e.payload.reservationId !== undefined ? j.reservations[e.payload.reservationId] : undefined;
      if (held && e.payload.reservationId !== undefined) {
        delete j.reservations[e.payload.reservationId];
        u.reservedUsd = Math.max(0, u.reservedUsd - held.costUsd); u.reservedTokens = Math.max(0, u.reservedTokens - held.tokens); u.reservedCalls = Math.max(0, u.reservedCalls - 1);
      }
      if (e.type === "usage.recorded") {
        const t = e.payload.usage;
        u.inputTokens += t.inputTokens; u.outputTokens += t.outputTokens; u.cacheReadInputTokens += t.cacheReadInputTokens; u.cacheCreationInputTokens += t.cacheCreationInputTokens;
        u.costUsd += e.payload.costUsd; u.calls += 1;
      }
      break;
    }
    default: break;
  }
  expire(j, now);
  dispatch(j, now);
  return j;
}

async function publishPending(bus: Bus, j: JobState, now: string): Promise<void> {
  if (j.pending.length === 0) return;
  await publishOutbox(bus, j.pending.map((id) => outboxItem(j, id, now)));
}

/** Ledger first (workers must find the job running), then its work, then the outbox cleared. */
async function settle(bus: Bus, j: JobState, revision: number, now: string): Promise<void> {
  await bus.runs.put(ledgerKey(j.id), jobLedger(j));
  if (j.pending.length === 0) return;
  await publishPending(bus, j, now);
  try { await bus.runs.update(jobKey(j.id), { ...j, pending: [] }, revision); } catch (err) {
    // Someone wrote after us and published our outbox first: nothing left to clear.
    if (!(err instanceof KvConflictError)) throw err;
  }
}

export async function createJob(bus: Bus, j: JobState): Promise<void> {
  const revision = await bus.runs.create(jobKey(j.id), j);
  await settle(bus, j, revision, j.createdAt);
}

export async function loadJob(bus: Bus, id: string): Promise<{ job: JobState; revision: number }> {
  const entry = await bus.runs.get(jobKey(id));
  if (!entry) throw new errors.JobNotFound(id);
  return { job: JobState.parse(entry.value), revision: entry.revision };
}

/** A job as readers see it; an outbox a crashed writer left is published and cleared here. */
export async function readJob(bus: Bus, id: string, now = new Date()): Promise<JobState> {
  const { job, revision } = await loadJob(bus, id);
  // A job whose evaluators went quiet gets no event to end it on: its reader ends it at its wall-clock budget.
  if (job.status === "running" && expire(JobState.parse(structuredClone(job)), now.toISOString())) {
    const ended = await updateJob(bus, id, (j) => { const next = JobState.parse(structuredClone(j)); return expire(next, now.toISOString()) ? next : null; });
    if (ended) return ended;
  }
  if (job.pending.length > 0 && now.getTime() - Date.parse(job.updatedAt) > STALE_OUTBOX_MS) {
    await settle(bus, job, revision, now.toISOString());
    return { ...job, pending: [] };
  }
  return job;
}

/** Applies `step` to a job with compare-and-set; returns the state written, or null when the step did nothing. */
export async function updateJob(bus: Bus, id: string, step: (j: JobState) => JobState | null, now: () => string = () => new Date().toISOString()): Promise<JobState | null> {
  for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
    const entry = await bus.runs.get(jobKey(id));
    if (!entry) return null;
    const prev = JobState.parse(entry.value);
    if (prev.pending.length > 0) {
      // A crashed fold's outbox: published before anything new is decided.
      await settle(bus, prev, entry.revision, now());
      continue;
    }
    const next = step(prev);
    if (!next) return null;
    let revision: number;
    try { revision = await bus.runs.update(jobKey(id), next, entry.revision); } catch (err) {
      if (err instanceof KvConflictError) { await new Promise((r) => setTimeout(r, Math.random() * 20 * (i + 1))); continue; }
      throw err;
    }
    await settle(bus, next, revision, now());
    return next;
  }
  throw new FoldContentionError(id);
}

/** Folds one event of a job (handlers.ts sends those here); an event of a job that is gone is dropped. */
export async function foldJobEvent(deps: { bus: Bus; logger: Logger; now?: () => string }, e: EventMessage): Promise<boolean> {
  const now = deps.now ?? (() => new Date().toISOString());
  let was: JobState["status"] | undefined;
  const written = await updateJob(deps.bus, e.runId, (j) => { was = j.status; return reduceJob(j, e, now(), deps.logger); }, now);
  if (written && written.status !== was) deps.logger.info({ jobId: written.id, kind: written.kind, status: written.status, reason: written.reason }, "job finished");
  return written !== null;
}
