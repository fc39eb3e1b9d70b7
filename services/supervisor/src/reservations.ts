import type { EventMessage, ModelRole, RunState } from "@harness/contracts";
import { callCeiling, DEFAULT_PRICES, modelConfigFromEnv, priceFor, resolveModel, type PriceTable } from "@harness/model";

/*
 * Model calls are reserved before they are sent (usage.reserved, the call's worst case) and
 * settled after (usage.recorded with the real usage, or usage.released when no answer came). A
 * reservation never settled is written off: charged at its worst case and counted apart
 * (usage.unsettled*), so a worker killed at any instant leaves no call uncharged. A settlement
 * that arrives after the write-off replaces the charge with the real one.
 */

type Reserved = Extract<EventMessage, { type: "usage.reserved" }>;
type Recorded = Extract<EventMessage, { type: "usage.recorded" }>;
type Released = Extract<EventMessage, { type: "usage.released" }>;
type Refusal = Extract<EventMessage, { type: "budget.exceeded" }>;

/** Events that are usage bookkeeping; any other event a worker sends for its work is a result. */
const BOOKKEEPING = new Set(["usage.reserved", "usage.recorded", "usage.released", "work.progress"]);

export function reserve(s: RunState, e: Reserved): void {
  const p = e.payload;
  if (s.reservations.some((r) => r.id === p.reservationId)) return;
  if (s.settledEarly.includes(p.reservationId)) { s.settledEarly = s.settledEarly.filter((id) => id !== p.reservationId); return; }
  // A later delivery of the same work: the earlier one is gone (killed, or timed out), and so are its calls.
  if (e.causationId !== null) writeOff(s, (r) => r.work === e.causationId && r.delivery < p.delivery);
  s.reservations = [...s.reservations, { id: p.reservationId, work: e.causationId, delivery: p.delivery, role: p.role, costUsd: p.worstCase.costUsd, tokens: p.worstCase.tokens, at: e.time }];
  s.usage.reservedUsd += p.worstCase.costUsd;
  s.usage.reservedTokens += p.worstCase.tokens;
  s.usage.reservedCalls++;
}

/** Takes a reservation out of the totals it is counted in (in flight, or written off). */
function unhold(s: RunState, id: string | undefined): void {
  if (id === undefined) return;
  const r = s.reservations.find((x) => x.id === id);
  // Settled before its reservation was folded: remembered, so the reservation holds nothing when it comes.
  if (!r) { s.settledEarly = [...s.settledEarly, id]; return; }
  s.reservations = s.reservations.filter((x) => x !== r);
  if (r.writtenOff) {
    s.usage.costUsd = Math.max(0, s.usage.costUsd - r.costUsd);
    s.usage.unsettledUsd = Math.max(0, s.usage.unsettledUsd - r.costUsd);
    s.usage.unsettledTokens = Math.max(0, s.usage.unsettledTokens - r.tokens);
    s.usage.unsettledCalls = Math.max(0, s.usage.unsettledCalls - 1);
  } else {
    s.usage.reservedUsd = Math.max(0, s.usage.reservedUsd - r.costUsd);
    s.usage.reservedTokens = Math.max(0, s.usage.reservedTokens - r.tokens);
    s.usage.reservedCalls = Math.max(0, s.usage.reservedCalls - 1);
  }
}

export function settle(s: RunState, e: Recorded): void {
  unhold(s, e.payload.reservationId);
  const u = e.payload.usage;
  s.usage.inputTokens += u.inputTokens;
  s.usage.outputTokens += u.outputTokens;
  s.usage.cacheCreationInputTokens += u.cacheCreationInputTokens;
  s.usage.cacheReadInputTokens += u.cacheReadInputTokens;
  s.usage.costUsd += e.payload.costUsd;
  s.usage.calls++;
}

export function release(s: RunState, e: Released): void {
  unhold(s, e.payload.reservationId);
}

/** Charges the matching reservations still in flight at their worst case. */
function writeOff(s: RunState, which: (r: RunState["reservations"][number]) => boolean): void {
  if (!s.reservations.some((r) => !r.writtenOff && which(r))) return;
  s.reservations = s.reservations.map((r) => {
    if (r.writtenOff || !which(r)) return r;
    s.usage.reservedUsd = Math.max(0, s.usage.reservedUsd - r.costUsd);
    s.usage.reservedTokens = Math.max(0, s.usage.reservedTokens - r.tokens);
    s.usage.reservedCalls = Math.max(0, s.usage.reservedCalls - 1);
    s.usage.costUsd += r.costUsd;
    s.usage.unsettledUsd += r.costUsd;
    s.usage.unsettledTokens += r.tokens;
    s.usage.unsettledCalls++;
    return { ...r, writtenOff: true as const };
  });
}

/**
 * Write-offs an event implies: a worker stores its calls' usage before it sends a result, so a
 * result of a work item (or its failure or refusal) means that work's reservations still open
 * will not be settled by it; a run that has ended settles nothing more of its own accord.
 */
export function writeOffAfter(s: RunState, e: EventMessage | undefined, terminal: boolean): void {
  if (terminal) { writeOff(s, () => true); return; }
  if (!e || BOOKKEEPING.has(e.type) || e.causationId === null || e.producer.role === "supervisor" || e.producer.role === "api") return;
  writeOff(s, (r) => r.work === e.causationId);
}

/** Run-level model choices and prices as this supervisor knows them (the env the workers get too). */
const env = (() => {
  try { return modelConfigFromEnv(process.env); } catch { return {}; }
})();
const prices: PriceTable = env.prices ?? DEFAULT_PRICES;

/** The most one call of this role could cost or use, whatever a refusal claims. */
function ceiling(s: RunState, role: ModelRole | undefined, model: string | undefined): { costUsd: number; tokens: number } {
  const roles: ModelRole[] = role ? [role] : ["planner", "generator", "evaluator", "judge"];
  const models = model ? [model] : roles.map((r) => resolveModel(r, env.models, s.options.models).model);
  const each = models.map((m) => callCeiling(priceFor(m, prices)));
  return { costUsd: Math.max(...each.map((c) => c.costUsd)), tokens: Math.max(...each.map((c) => c.tokens)) };
}

/**
 * Whether the supervisor's own ledger confirms a worker's budget refusal: what it has charged and
 * holds reserved, plus the refused call's worst case (never more than any call of that model
 * could be), crosses the limit. A refusal without numbers is held to the ceiling.
 */
export function refusalConfirmed(s: RunState, e: Refusal): { confirmed: boolean; why: string } {
  const p = e.payload;
  const u = s.usage;
  if (p.kind !== "cost" && p.kind !== "tokens") return { confirmed: false, why: `workers refuse calls on cost or tokens only, not ${p.kind}` };
  const top = ceiling(s, p.refused?.role, p.refused?.model);
  if (p.kind === "cost") {
    const worst = Math.min(p.refused?.worstCase ?? top.costUsd, top.costUsd);
    const held = u.costUsd + u.reservedUsd;
    const limit = s.options.budget.maxCostUsd;
    return { confirmed: held + worst > limit, why: `ledger $${u.costUsd.toFixed(4)} charged + $${u.reservedUsd.toFixed(4)} reserved + call worst case $${worst.toFixed(4)} against $${limit}` };
  }
  const tokens = u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens + u.unsettledTokens;
  const worst = Math.min(p.refused?.worstCase ?? top.tokens, top.tokens);
  const limit = s.options.budget.maxTokens;
  return { confirmed: tokens + u.reservedTokens + worst > limit, why: `ledger ${tokens} tokens used + ${u.reservedTokens} reserved + call worst case ${worst} against ${limit}` };
}

/**
 * Work the watchdog declares lost (no event for the stall window) made its calls and died: the
 * reservations still in flight are charged now rather than when the run ends.
 */
export function writeOffLost(s: RunState): void {
  writeOff(s, () => true);
}
