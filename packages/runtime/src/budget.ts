import type { Bus } from "@harness/bus";
import { RunState, TERMINAL_STATUSES } from "@harness/contracts";
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
export function runBudgetGuard(bus: Bus, runId: string): BudgetGuard {
  return {
    async reserve(worst) {
      const entry = await bus.runs.get(runId);
      if (!entry) return;
      const state = RunState.safeParse(entry.value);
      if (!state.success) return;
      const s = state.data;
      if ((TERMINAL_STATUSES as readonly string[]).includes(s.status)) throw new RunNotActiveError(runId, s.status);
      const { budget } = s.options;
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
