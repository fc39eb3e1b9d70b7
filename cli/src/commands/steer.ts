import type { BudgetPatch } from "@harness/contracts";
import { apiTarget, CliError, request } from "../client.js";

/** The run controls that take an optional comment (resume also new limits). */
export type SteerAction = "pause" | "resume" | "cancel" | "approve";

export interface SteerFlags { comment?: string; budget?: number; tokens?: number; minutes?: number }

/**
 * The control's body: only what the user gave. New limits go with resume alone (the API takes
 * them nowhere else), and only the ones given are sent: the run keeps its other limits.
 */
export function steerBody(action: SteerAction, flags: SteerFlags): { comment?: string; budget?: BudgetPatch } {
  const budget: BudgetPatch = {
    ...(flags.budget ? { maxCostUsd: flags.budget } : {}),
    ...(flags.tokens ? { maxTokens: flags.tokens } : {}),
    ...(flags.minutes ? { maxWallClockMs: Math.round(flags.minutes * 60_000) } : {}),
  };
  const limits = Object.keys(budget).length > 0;
  if (limits && action !== "resume") throw new CliError(`--budget, --tokens and --minutes go with resume, not ${action}`, 2);
  return { ...(flags.comment ? { comment: flags.comment } : {}), ...(limits ? { budget } : {}) };
}

/** What the new limits are, for the line that confirms the resume. */
function limitsText(budget: BudgetPatch | undefined): string {
  if (!budget) return "";
  const parts = [
    budget.maxCostUsd !== undefined ? `$${budget.maxCostUsd}` : undefined,
    budget.maxTokens !== undefined ? `${budget.maxTokens} tokens` : undefined,
    budget.maxWallClockMs !== undefined ? `${budget.maxWallClockMs / 60_000} min` : undefined,
  ].filter(Boolean);
  return ` with limits ${parts.join(", ")}`;
}

/**
 * The API answers 202 once the control is on the bus; the run's own event history decides what
 * it does, so the line says "sent", and `status` shows the outcome. A refusal (409: the run ended,
 * is paused, waits at no gate) is the API's message, through the client's error.
 */
export async function steerCommand(action: SteerAction, id: string, flags: SteerFlags): Promise<number> {
  const body = steerBody(action, flags);
  await request(apiTarget(), "POST", `/runs/${encodeURIComponent(id)}/${action}`, body);
  console.log(`${action} sent for run ${id}${limitsText(body.budget)}`);
  return 0;
}

/** Change requests at a gate: the spec's go to the planner, the contract's to the generator. */
export async function reviseCommand(id: string, on: { spec?: string | undefined; contract?: string | undefined }): Promise<number> {
  const given = (["spec", "contract"] as const).filter((k) => on[k] !== undefined);
  if (given.length !== 1) throw new CliError(`revise takes one of --spec "<comments>" or --contract "<comments>"`, 2);
  const what = given[0]!;
  await request(apiTarget(), "POST", `/runs/${encodeURIComponent(id)}/${what}/revise`, { comments: on[what] });
  console.log(`${what} changes sent for run ${id}: the ${what === "spec" ? "planner writes a new version" : "generator proposes a new round for review"}`);
  return 0;
}
