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

export function runBudgetGuard(bus: Bus, runId: string): BudgetGuard {
  return {
    async reserve(worst) {
      const s = await readLedger(bus, runId);
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
