import type { Bus } from "@harness/bus";
import { ledgerKey, RunLedger, TERMINAL_STATUSES, type ModelChoice, type ModelRole } from "@harness/contracts";
import { BudgetExceededError, type BudgetGuard, type CallInfo, type Reservation, type WorstCase } from "@harness/model";

export class RunNotActiveError extends Error {
  readonly code = "RUN_NOT_ACTIVE";
  constructor(runId: string, status: string) {
    super(`run ${runId} is ${status}; its work is dropped`);
    this.name = "RunNotActiveError";
  }
}

/**
 * Fail-closed budget check against the run's folded state, before every model call:
 * the worst case of the call must fit what is left. A cancelled run stops its in-flight work here.
 */
/** The run's ledger (status, budget, models, spend); null when the run has none yet. */
export async function readLedger(bus: Bus, runId: string): Promise<RunLedger | null> {
  const entry = await bus.runs.get(ledgerKey(runId));
  const parsed = entry ? RunLedger.safeParse(entry.value) : undefined;
  return parsed?.success ? parsed.data : null;
}

export function assertActive(ledger: RunLedger | null, runId: string): void {
  if (ledger && (TERMINAL_STATUSES as readonly string[]).includes(ledger.status)) throw new RunNotActiveError(runId, ledger.status);
}

export type RunModels = Partial<Record<ModelRole, ModelChoice>>;

/** How old a ledger read may be and still stand in for a fresh one (see `first`). */
const FRESH_LEDGER_MS = 250;

/** What this work's own calls have used so far, and hold reserved while in flight. */
export interface Spend { costUsd: number; tokens: number; reservedUsd?: number; reservedTokens?: number }

/** Stores a reservation durably before the call is sent (see workerHandler). */
export type BookReservation = (worst: WorstCase, call: CallInfo) => Promise<Reservation>;

interface Seen { spent: number; reserved: number }

/**
 * `first` is a ledger the caller has just read (the work's start reads one): the first check
 * uses it if it is under FRESH_LEDGER_MS old, instead of a second read of the same key
 * a millisecond later. Every later check reads KV.
 *
 * The ledger moves only once the supervisor has folded a call's events, so a tool loop's next
 * call may check against a ledger without its previous ones. `ownSpend` closes that gap: the run
 * has committed at least the ledger at the work's start plus this work's own calls (spent and
 * reserved), and at least the ledger now; the larger is checked, which never counts a call twice.
 * Reservations of calls in flight count like spend (fail-closed). With `book`, a call that fits
 * is reserved durably before the guard returns.
 */
export function runBudgetGuard(bus: Bus, runId: string, first?: { ledger: RunLedger | null; readAt: number }, ownSpend?: () => Spend, book?: BookReservation): BudgetGuard {
  let held = first;
  const start = first?.ledger ? committed(first.ledger) : undefined;
  return {
    async reserve(worst, call) {
      const reuse = held !== undefined && Date.now() - held.readAt < FRESH_LEDGER_MS;
      const s = reuse && held ? held.ledger : await readLedger(bus, runId);
      held = undefined;
      if (!s) return book ? await book(worst, call) : undefined;
      assertActive(s, runId);
      const { budget } = s;
      const now = committed(s);
      const own = ownSpend?.() ?? { costUsd: 0, tokens: 0 };
      const cost = larger(now.cost, { spent: (start?.cost.spent ?? 0) + own.costUsd, reserved: (start?.cost.reserved ?? 0) + (own.reservedUsd ?? 0) });
      const tokens = larger(now.tokens, { spent: (start?.tokens.spent ?? 0) + own.tokens, reserved: (start?.tokens.reserved ?? 0) + (own.reservedTokens ?? 0) });
      const costUsd = cost.spent + cost.reserved;
      const used = tokens.spent + tokens.reserved;
      if (costUsd + worst.costUsd > budget.maxCostUsd) {
        throw new BudgetExceededError("cost", budget.maxCostUsd, costUsd,
          `the next call could cost $${worst.costUsd.toFixed(4)}; $${Math.max(0, budget.maxCostUsd - costUsd).toFixed(4)} of $${budget.maxCostUsd} left ($${cost.spent.toFixed(4)} spent, $${cost.reserved.toFixed(4)} reserved by calls in flight)`,
          { ...call, spent: cost.spent, reserved: cost.reserved, worstCase: worst.costUsd });
      }
      if (used + worst.tokens > budget.maxTokens) {
        throw new BudgetExceededError("tokens", budget.maxTokens, used,
          `the next call could use ${worst.tokens} tokens; ${Math.max(0, budget.maxTokens - used)} of ${budget.maxTokens} left (${tokens.spent} used, ${tokens.reserved} reserved by calls in flight)`,
          { ...call, spent: tokens.spent, reserved: tokens.reserved, worstCase: worst.tokens });
      }
      return book ? await book(worst, call) : undefined;
    },
  };
}

function larger(a: Seen, b: Seen): Seen {
  return a.spent + a.reserved >= b.spent + b.reserved ? a : b;
}

/** Spend (calls charged, at their reservation when never settled) and reservations in flight. */
function committed(l: RunLedger): { cost: Seen; tokens: Seen } {
  const u = l.usage;
  return {
    cost: { spent: u.costUsd, reserved: u.reservedUsd },
    tokens: { spent: u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens + u.unsettledTokens, reserved: u.reservedTokens },
  };
}
