import type { Bus } from "@harness/bus";
import { ledgerKey, RunLedger, TERMINAL_STATUSES, type ModelChoice, type ModelRole } from "@harness/contracts";
import { BudgetExceededError, type BudgetGuard } from "@harness/model";

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

/** What this work's own calls have used so far. */
export interface Spend { costUsd: number; tokens: number }

/**
 * `first` is a ledger the caller has just read (the work's start reads one): the first check
 * uses it if it is under FRESH_LEDGER_MS old, instead of a second read of the same key
 * a millisecond later. Every later check reads KV.
 *
 * The ledger moves only once the supervisor has folded a call's usage event, so a tool loop's
 * next call may check against a ledger without its previous ones. `ownSpend` closes that gap:
 * the run has used at least the ledger at the work's start plus this work's own calls, and at
 * least the ledger now; the larger is checked, which never counts a call twice.
 */
export function runBudgetGuard(bus: Bus, runId: string, first?: { ledger: RunLedger | null; readAt: number }, ownSpend?: () => Spend): BudgetGuard {
  let held = first;
  const start = first?.ledger ? used(first.ledger) : undefined;
  return {
    async reserve(worst) {
      const reuse = held !== undefined && Date.now() - held.readAt < FRESH_LEDGER_MS;
      const s = reuse && held ? held.ledger : await readLedger(bus, runId);
      held = undefined;
      if (!s) return;
      assertActive(s, runId);
      const { budget } = s;
      const now = used(s);
      const own = ownSpend?.() ?? { costUsd: 0, tokens: 0 };
      const costUsd = Math.max(now.costUsd, (start?.costUsd ?? 0) + own.costUsd);
      const tokens = Math.max(now.tokens, (start?.tokens ?? 0) + own.tokens);
      if (costUsd + worst.costUsd > budget.maxCostUsd) {
        throw new BudgetExceededError("cost", budget.maxCostUsd, costUsd, `the next call could cost $${worst.costUsd.toFixed(4)}; $${(budget.maxCostUsd - costUsd).toFixed(4)} of $${budget.maxCostUsd} left`);
      }
      if (tokens + worst.tokens > budget.maxTokens) {
        throw new BudgetExceededError("tokens", budget.maxTokens, tokens, `the next call could use ${worst.tokens} tokens; ${budget.maxTokens - tokens} of ${budget.maxTokens} left`);
      }
    },
  };
}

function used(l: RunLedger): Spend {
  const u = l.usage;
  return { costUsd: u.costUsd, tokens: u.inputTokens + u.outputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens };
}
