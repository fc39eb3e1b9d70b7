import { RunControl, type RunState } from "@harness/contracts";
import { envelope } from "@harness/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ApiError, authErrorResponses, ControlBody, ControlResponse, ResumeBody, ReviseBody, ReviseContractBody, RunParams } from "../api-schemas.js";
import { budgetUse, patchedBudget } from "../reducer.js";
import type { ApiDeps } from "../deps.js";
import { errors } from "../errors.js";
import { isTerminalStatus, loadRun } from "../run-store.js";
import { API_PRODUCER } from "./runs.js";

const SUMMARY = {
  pause: "Pause a run: work already running finishes, new work is held",
  resume: "Resume a paused run: held work is released. A run paused on its budget goes on only with a higher one (`budget`)",
  cancel: "Cancel a run: in-flight work stops at its next model call",
  approve: "Approve the spec or the current sprint's contract when the run waits at a human gate",
} as const;

/**
 * Controls are events like any other: the API publishes run.control and the fold decides, so
 * a control racing with a worker's result is ordered by the run's event history.
 */
export const controlRoutes: FastifyPluginAsyncZod<{ deps: ApiDeps }> = async (app, { deps }) => {
  for (const action of ["pause", "cancel", "approve"] as const) {
    app.post(`/runs/:id/${action}`, {
      onRequest: deps.auth,
      schema: {
        tags: ["runs"], summary: SUMMARY[action], security: [{ bearer: [] }], params: RunParams, body: ControlBody,
        response: { 202: ControlResponse, ...authErrorResponses, 409: ApiError.describe(action === "approve" ? "the run already ended, is paused, or waits at no approval gate" : "the run already ended") },
      },
    }, async (req, reply) => {
      const { id } = req.params;
      const state = await loadRun(deps.bus, id);
      if (isTerminalStatus(state.status)) throw new errors.Conflict(`run ${id} is ${state.status}; it cannot ${action}`);
      // Refused here rather than accepted and ignored by the fold.
      if (action === "approve") assertAtGate(state, "approve");
      const comment = req.body?.comment;
      const msg = envelope("run.control", { action, ...(comment ? { comment } : {}) }, { id: null, runId: id, sprint: state.currentSprint, attempt: 0 }, API_PRODUCER);
      await deps.bus.publish(RunControl, msg);
      return reply.code(202).send({ id, action, accepted: true });
    });
  }

  app.post("/runs/:id/resume", {
    onRequest: deps.auth,
    schema: {
      tags: ["runs"], summary: SUMMARY.resume, security: [{ bearer: [] }], params: RunParams, body: ResumeBody,
      response: { 202: ControlResponse, ...authErrorResponses, 409: ApiError.describe("the run already ended, or a new budget is given to a run that is not paused or would still be over it") },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const state = await loadRun(deps.bus, id);
    if (isTerminalStatus(state.status)) throw new errors.Conflict(`run ${id} is ${state.status}; it cannot resume`);
    const comment = req.body?.comment;
    const budget = req.body?.budget;
    if (budget) {
      // Refused here rather than accepted and dropped, or accepted and paused again at once.
      if (state.status !== "paused") throw new errors.Conflict(`run ${id} is ${state.status}; a new budget is given only with resuming a paused run`);
      const full = noRoomLeft(state, patchedBudget(state.options.budget, budget), new Date().toISOString());
      if (full) throw new errors.Conflict(`run ${id} would have no budget left: ${full}`);
    }
    const msg = envelope("run.control", { action: "resume" as const, ...(comment ? { comment } : {}), ...(budget ? { budget } : {}) }, { id: null, runId: id, sprint: state.currentSprint, attempt: 0 }, API_PRODUCER);
    await deps.bus.publish(RunControl, msg);
    return reply.code(202).send({ id, action: "resume", accepted: true });
  });

  for (const gate of REVISE_GATES) {
    app.post(`/runs/:id/${gate.what}/revise`, {
      onRequest: deps.auth,
      schema: {
        tags: ["runs"], summary: gate.summary, security: [{ bearer: [] }], params: RunParams, body: gate.body,
        response: { 202: ControlResponse, ...authErrorResponses, 409: ApiError.describe(gate.conflict) },
      },
    }, async (req, reply) => {
      const { id } = req.params;
      const state = await loadRun(deps.bus, id);
      if (state.waitingFor !== gate.waitingFor) throw new errors.Conflict(notAtGate(state, gate.what));
      assertAtGate(state, `revise the ${gate.what}`);
      const last = gate.lastRound?.(state);
      if (last) throw new errors.Conflict(last);
      // Before the spec is approved no sprint has started: sprint 0, as for the spec gate's other controls.
      const msg = envelope("run.control", { action: gate.action, comment: req.body.comments }, { id: null, runId: id, sprint: state.currentSprint, attempt: 0 }, API_PRODUCER);
      await deps.bus.publish(RunControl, msg);
      return reply.code(202).send({ id, action: gate.action, accepted: true });
    });
  }
};

/**
 * Why `budget` leaves the run nothing to spend (a limit at or below what it has used), if it does.
 * Room for the next call's worst case is the worker's to judge: the pause reason states it.
 */
function noRoomLeft(s: RunState, budget: RunState["options"]["budget"], now: string): string | undefined {
  const { costUsd, tokens, elapsedMs: elapsed } = budgetUse(s, now);
  if (costUsd >= budget.maxCostUsd) return `$${costUsd.toFixed(4)} spent of $${budget.maxCostUsd}`;
  if (tokens >= budget.maxTokens) return `${tokens} tokens used of ${budget.maxTokens}`;
  if (elapsed >= budget.maxWallClockMs) return `${Math.round(elapsed / 1000)}s elapsed of ${Math.round(budget.maxWallClockMs / 1000)}s`;
  return undefined;
}

/** The two gates a person can send changes back from: the planner's spec, the generator's contract. */
const REVISE_GATES = [
  {
    what: "contract", action: "revise_contract", waitingFor: "contract_approval", body: ReviseContractBody,
    summary: "Send change requests on the current sprint's contract to the generator; it proposes a new round, which the evaluator reviews again (contract gate)",
    conflict: "the run is paused, not waiting for contract approval, or on its last contract round",
    // One more round the evaluator could send back would fail the run: approve or cancel instead.
    lastRound: (s: RunState): string | undefined => {
      const sprint = s.sprints.find((sp) => sp.number === s.currentSprint);
      return sprint && sprint.contractRound >= s.options.maxContractRounds
        ? `run ${s.id} is on contract round ${sprint.contractRound} of at most ${s.options.maxContractRounds}; approve the contract or cancel the run` : undefined;
    },
  },
  {
    what: "spec", action: "revise_spec", waitingFor: "spec_approval", body: ReviseBody, lastRound: undefined,
    summary: "Send comments on the spec to the planner; it returns a revised spec as a new version (spec gate)",
    conflict: "the run is not waiting for spec approval",
  },
] as const;

/** Gate actions need a run that waits at a gate and is not paused (approving is not resuming). */
function assertAtGate(state: RunState, what: string): void {
  if (state.status === "paused") throw new errors.Conflict(`run ${state.id} is paused; resume it before you ${what}`);
  if (state.waitingFor !== "spec_approval" && state.waitingFor !== "contract_approval") {
    throw new errors.Conflict(`run ${state.id} waits at no approval gate (it waits for ${state.waitingFor}); there is nothing to ${what}`);
  }
}

/** Why a revise finds no gate: the run ended, the gate is off for this run, or the run is elsewhere for now. */
function notAtGate(s: RunState, what: "spec" | "contract"): string {
  if (isTerminalStatus(s.status)) return `run ${s.id} is ${s.status}; there is no ${what} to revise`;
  const on = what === "spec" ? s.options.gates.approveSpec : s.options.gates.approveContracts;
  if (!on) return `run ${s.id} has no ${what} gate (options.gates.${what === "spec" ? "approveSpec" : "approveContracts"} is off), so its ${what} is never waiting for you`;
  return `run ${s.id} is not waiting for ${what} approval (it waits for ${s.waitingFor}); try again when it is`;
}
