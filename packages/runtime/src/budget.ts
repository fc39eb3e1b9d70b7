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

/**
 * `first` is a ledger the caller has just read (the work's start reads one): the first check
 * uses it if it is under FRESH_LEDGER_MS old, instead of a second read of the same key
 * a millisecond later. Every later check reads KV.
 */
export function runBudgetGuard(bus: Bus, runId: string, first?: { ledger: RunLedger | null; readAt: number }): BudgetGuard {
  let held = first;
  return {
    async reserve(worst) {
      const reuse = held !== undefined && Date.now() - held.readAt < FRESH_LEDGER_MS;
      const s = reuse && held ? held.ledger : await readLedger(bus, runId);
      held = undefined;
      if (!s) return;
      assertActive(s, runId);
      const { budget } = s;
      const usedTokens = s.usage.inputTokens + s.usage.outputTokens + s.usage.cacheCreationInputTokens + s.usage.cacheReadInputTokens;
      if (s.usage.costUsd + worst.costUsd > budget.maxCostUsd) {
        throw new BudgetExceededError("cost", budget.maxCostUsd, s.usage.costUsd, `the next call could cost $${worst.costUsd.toFixed(4)}; $${(budget.maxCostUsd - s.usage.costUsd).toFixed(4)} of $${budget.maxCostUsd} left`);
      }
      if (usedTokens + worst.tokens > budget.maxTokens) {
        throw new BudgetExceededError("tokens", budget.maxTokens, usedTokens, `the next call could use ${worst.tokens} tokens; ${budget.maxTokens - usedTokens} of ${budget.maxTokens} left`);
      }
    },
  };
}
