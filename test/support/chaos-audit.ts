import type { RecordedRequest } from "@harness/scripted-model";
import type { Fault } from "./chaos-cluster.js";
import { responseId, type RunKind } from "./chaos-script.js";

/* What a finished run's history must look like, checked from the outside: API, KV state, model log. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are read loosely
export interface LoggedEvent { seq: number; time: string; message: { id: string; type: string; sprint: number; attempt: number; payload: Record<string, any> } }
export interface RunViewLite {
  id: string; status: string; reason: string;
  usage: { calls: number };
  sprints: Array<{ number: number; status: string; attempts: Array<{ status: string; verdicts?: Record<string, unknown> }> }>;
  final?: { status: string; attempts: Array<{ status: string; verdicts?: Record<string, unknown> }> };
}
export interface FoldedState {
  applied: string[];
  eventCount: number;
  /** Reservations the run charged at their worst case (never settled), and those still open. */
  writtenOff?: string[];
  openReservations?: string[];
}

export interface RunAudit {
  tag: string;
  runId: string;
  status: string;
  problems: string[];
  lostEvents: number;
  duplicateTransitions: number;
  duplicateEvents: number;
  duplicateVerdicts: number;
  usageEvents: number;
  answeredCalls: number;
  /** Calls reserved, settled (usage recorded), released (never answered) and charged at their reservation. */
  reservations: number;
  settled: number;
  released: number;
  writtenOff: number;
  /** Answered calls neither settled nor charged at their reservation: "<tag> <role> call #<index>". No fault excuses one. */
  uncharged: string[];
}

const EXPECTED: Record<RunKind, { status: string; reason: RegExp; sprints: unknown; final: unknown }> = {
  // A completed run passed its final acceptance (sprint 0's evaluation) at the first attempt.
  "completes": { status: "completed", reason: /sprints passed and the final acceptance/, sprints: [[1, "passed", ["passed"]], [2, "passed", ["failed", "passed"]]], final: ["passed", ["passed"]] },
  "max-attempts": { status: "failed", reason: /^max attempts/, sprints: [[1, "failed", ["failed", "failed"]]], final: null },
};
const TERMINAL_PATH: Record<RunKind, string[]> = {
  "completes": ["queued->planning", "planning->running", "running->completed"],
  "max-attempts": ["queued->planning", "planning->running", "running->failed"],
};

/** The model role of a request, as the process that made it: the judge runs inside the evaluator. */
function processRole(r: RecordedRequest): string {
  const role = r.headers["x-harness-role"] ?? r.role ?? "";
  return role === "judge" ? "evaluator" : role;
}

/** The reservation a request was sent under (the client sends its id with every reserved call). */
function reservationOf(r: RecordedRequest): string | undefined {
  return r.headers["x-harness-reservation"];
}

export function auditRun(
  input: { tag: string; kind: RunKind; view: RunViewLite; events: LoggedEvent[]; state: FoldedState; requests: RecordedRequest[]; faults: readonly Fault[] },
): RunAudit {
  const { view, events, state } = input;
  const problems: string[] = [];
  const want = EXPECTED[input.kind];
  if (view.status !== want.status || !want.reason.test(view.reason)) problems.push(`ended ${view.status} (${view.reason}), expected ${want.status}`);
  const shape = view.sprints.map((s) => [s.number, s.status, s.attempts.map((a) => a.status)]);
  if (JSON.stringify(shape) !== JSON.stringify(want.sprints)) problems.push(`sprints ${JSON.stringify(shape)}`);
  const final = view.final ? [view.final.status, view.final.attempts.map((a) => a.status)] : null;
  if (JSON.stringify(final) !== JSON.stringify(want.final)) problems.push(`final acceptance ${JSON.stringify(final)}`);

  const ids = events.map((e) => e.message.id);
  const distinct = new Set(ids);
  const duplicateEvents = ids.length - distinct.size;
  const applied = new Set(state.applied);
  const unfolded = [...distinct].filter((id) => !applied.has(id));
  let lostEvents = unfolded.length + Math.max(0, state.eventCount - distinct.size);
  if (unfolded.length > 0) problems.push(`events never folded: ${unfolded.join(", ")}`);
  if (state.eventCount !== distinct.size) problems.push(`state folded ${state.eventCount} events, the log holds ${distinct.size}`);

  // The status chain must be unbroken from queued to the end; a stall record (from === to) is not a transition.
  const moves = events.filter((e) => e.message.type === "run.transition" && e.message.payload["from"] !== e.message.payload["to"])
    .map((e) => `${e.message.payload["from"]}->${e.message.payload["to"]}`);
  let at = "queued";
  for (const move of moves) {
    if (!move.startsWith(`${at}->`)) { lostEvents++; problems.push(`transition ${move} does not follow ${at}`); }
    at = move.split("->")[1] ?? at;
  }
  const duplicateTransitions = moves.length - new Set(moves).size;
  if (JSON.stringify(moves) !== JSON.stringify(TERMINAL_PATH[input.kind])) problems.push(`transitions ${moves.join(", ")}`);

  const verdictKeys = events.filter((e) => e.message.type === "verdict.produced")
    .map((e) => `${e.message.sprint}/${e.message.attempt}/${e.message.payload["verdict"]?.evaluator}`);
  const duplicateVerdicts = verdictKeys.length - new Set(verdictKeys).size;
  const evaluated = [...view.sprints.flatMap((s) => s.attempts), ...view.final?.attempts ?? []].filter((a) => a.status === "passed" || a.status === "failed");
  if (new Set(verdictKeys).size !== evaluated.length) problems.push(`${new Set(verdictKeys).size} verdict events for ${evaluated.length} evaluated attempts`);
  for (const a of evaluated) if (JSON.stringify(Object.keys(a.verdicts ?? {})) !== JSON.stringify(["core"])) problems.push(`attempt verdicts ${Object.keys(a.verdicts ?? {}).join(",")}`);

  const usage = events.filter((e) => e.message.type === "usage.recorded");
  const charged = usage.map((e) => String(e.message.payload["callId"]));
  if (new Set(charged).size !== charged.length) problems.push("a model call was charged twice");
  if (view.usage.calls !== new Set(usage.map((e) => e.message.id)).size) problems.push(`run.usage.calls ${view.usage.calls}, usage events ${usage.length}`);
  const answeredIds = new Map(input.requests.map((r) => [responseId(r), r] as const));
  const phantom = charged.filter((id) => !answeredIds.has(id));
  if (phantom.length > 0) problems.push(`charged for calls the model never answered for this run: ${phantom.join(", ")}`);
  // Every answered call is charged: settled by its usage event, or (its worker died before
  // sending one) charged at its reservation. No fault excuses a call that is neither.
  const chargedSet = new Set(charged);
  const writtenOff = new Set(state.writtenOff ?? []);
  const missing = input.requests.filter((r) => !chargedSet.has(responseId(r) ?? "") && !writtenOff.has(reservationOf(r) ?? ""));
  if (missing.length > 0) problems.push(`answered calls never charged: ${missing.map((r) => `#${r.index} ${processRole(r)}${reservationOf(r) ? "" : " (sent without a reservation)"}`).join(", ")}`);
  const reserved = events.filter((e) => e.message.type === "usage.reserved").map((e) => String(e.message.payload["reservationId"]));
  const settledIds = new Set(usage.map((e) => e.message.payload["reservationId"]).filter((id): id is string => typeof id === "string"));
  const releasedIds = new Set(events.filter((e) => e.message.type === "usage.released").map((e) => String(e.message.payload["reservationId"])));
  const unaccounted = reserved.filter((id) => !settledIds.has(id) && !releasedIds.has(id) && !writtenOff.has(id));
  if (unaccounted.length > 0) problems.push(`reservations neither settled, released nor charged: ${unaccounted.join(", ")}`);
  const twice = [...writtenOff].filter((id) => settledIds.has(id) || releasedIds.has(id));
  if (twice.length > 0) problems.push(`calls settled and also charged at their reservation: ${twice.join(", ")}`);
  if ((state.openReservations ?? []).length > 0) problems.push(`reservations still open after the run ended: ${(state.openReservations ?? []).join(", ")}`);

  return {
    tag: input.tag, runId: view.id, status: view.status, problems, lostEvents, duplicateTransitions, duplicateEvents, duplicateVerdicts,
    usageEvents: usage.length, answeredCalls: input.requests.length,
    reservations: reserved.length, settled: settledIds.size, released: releasedIds.size, writtenOff: writtenOff.size,
    uncharged: missing.map((r) => `${input.tag} ${processRole(r)} call #${r.index} answered at ${r.time}`),
  };
}

/**
 * Per fault: how long until every run that was in progress made progress again. A run is in
 * progress when its first event precedes the fault and its last one follows it.
 */
export function recoveryTimes(faults: readonly Fault[], histories: ReadonlyArray<readonly LoggedEvent[]>): number[] {
  return faults.map((f) => {
    let worst = 0;
    for (const events of histories) {
      const times = events.map((e) => Date.parse(e.time)).sort((a, b) => a - b);
      const first = times[0];
      const last = times.at(-1);
      if (first === undefined || last === undefined || first > f.at || last <= f.at) continue;
      const next = times.find((t) => t > f.at);
      if (next !== undefined) worst = Math.max(worst, next - f.at);
    }
    return worst;
  });
}
