import type { RunState } from "@harness/contracts";
import type { RunSummary, RunView } from "./api-schemas.js";
import { missingEvaluators, missingNotice } from "./missing-evaluators.js";

/**
 * The API's view of a run: the state without fold bookkeeping. `live`: the evaluators with a
 * live instance now (the registry), to say when the run waits for one that has none.
 */
export function runView(s: RunState, live?: ReadonlySet<string>): RunView {
  const { format: _f, applied: _a, pending: _p, held, given: _g, suspectRefusals: _r, sprints, ...rest } = s;
  const missing = missingEvaluators(s, live);
  return {
    ...rest, sprints: sprints.map(({ applied: _ids, archived: _stub, archiving: _marked, given: _work, ...sp }) => sp), heldWork: held.length,
    ...(missing.length > 0 ? { waitingOn: missingNotice(missing) } : {}),
  };
}

export function runSummary(s: RunState): RunSummary {
  return {
    id: s.id, status: s.status, reason: s.reason, prompt: s.prompt.slice(0, 200),
    ...(s.spec?.title ? { title: s.spec.title } : {}),
    currentSprint: s.currentSprint, sprints: s.sprints.length, costUsd: s.usage.costUsd, waitingFor: s.waitingFor, createdAt: s.createdAt, updatedAt: s.updatedAt,
  };
}
