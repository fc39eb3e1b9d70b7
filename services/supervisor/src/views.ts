import type { RunState } from "@harness/contracts";
import type { RunSummary, RunView } from "./api-schemas.js";

/** The API's view of a run: the state without fold bookkeeping. */
export function runView(s: RunState): RunView {
  const { format: _f, applied: _a, pending: _p, held, given: _g, suspectRefusals: _r, sprints, ...rest } = s;
  return { ...rest, sprints: sprints.map(({ applied: _ids, archived: _stub, archiving: _marked, given: _work, ...sp }) => sp), heldWork: held.length };
}

export function runSummary(s: RunState): RunSummary {
  return {
    id: s.id, status: s.status, reason: s.reason, prompt: s.prompt.slice(0, 200),
    ...(s.spec?.title ? { title: s.spec.title } : {}),
    currentSprint: s.currentSprint, sprints: s.sprints.length, costUsd: s.usage.costUsd, waitingFor: s.waitingFor, createdAt: s.createdAt, updatedAt: s.updatedAt,
  };
}
