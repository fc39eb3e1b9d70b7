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
}
export interface FoldedState { applied: string[]; eventCount: number }

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
  /** Answered calls never charged, each within moments of a fault: "<role> call #<index>: <fault>". */
  uncharged: string[];
}

const EXPECTED: Record<RunKind, { status: string; reason: RegExp; sprints: unknown }> = {
  "completes": { status: "completed", reason: /sprints passed/, sprints: [[1, "passed", ["passed"]], [2, "passed", ["failed", "passed"]]] },
  "max-attempts": { status: "failed", reason: /^max attempts/, sprints: [[1, "failed", ["failed", "failed"]]] },
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

/**
 * The crash that explains an answered call going uncharged, if any. Between the answer and its
 * usage event the process only publishes: dying in that window loses the record, and the
 * redelivered work makes a fresh call. NATS going away explains nothing by itself: the process
 * lives on and publishes the record once NATS is back. But it lengthens the window: a record due
 * while nats-server restarts can only be stored once the server is back and its JetStream
 * accepts publishes again (seconds after it answers its health check, with every replica of
 * every role reconnecting at once; two chaos runs lost a record this way 3.9 and 4.5 s after),
 * so a crash of that role up to 3 s after that still explains it. The scripted server shares this
 * process with the killer, so arrival times can lag a kill a little.
 */
function crashExplaining(r: RecordedRequest, faults: readonly Fault[]): Fault | undefined {
  const answeredAt = r.time + (r.durationMs ?? 0);
  const restart = faults.find((f) => f.kind === "nats-restart" && f.at <= answeredAt + 1_000 && f.backAt >= r.time - 1_000);
  const storableFrom = restart ? Math.max(answeredAt, restart.backAt + 3_000) : answeredAt;
  return faults.find((f) => f.kind === "kill" && f.role === processRole(r) && f.at >= r.time - 1_000 && f.at <= storableFrom + 3_000);
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
  const evaluated = view.sprints.flatMap((s) => s.attempts).filter((a) => a.status === "passed" || a.status === "failed");
  if (new Set(verdictKeys).size !== evaluated.length) problems.push(`${new Set(verdictKeys).size} verdict events for ${evaluated.length} evaluated attempts`);
  for (const a of evaluated) if (JSON.stringify(Object.keys(a.verdicts ?? {})) !== JSON.stringify(["core"])) problems.push(`attempt verdicts ${Object.keys(a.verdicts ?? {}).join(",")}`);

  const usage = events.filter((e) => e.message.type === "usage.recorded");
  const charged = usage.map((e) => String(e.message.payload["callId"]));
  if (new Set(charged).size !== charged.length) problems.push("a model call was charged twice");
  if (view.usage.calls !== new Set(usage.map((e) => e.message.id)).size) problems.push(`run.usage.calls ${view.usage.calls}, usage events ${usage.length}`);
  const answeredIds = new Map(input.requests.map((r) => [responseId(r), r] as const));
  const phantom = charged.filter((id) => !answeredIds.has(id));
  if (phantom.length > 0) problems.push(`charged for calls the model never answered for this run: ${phantom.join(", ")}`);
  const chargedSet = new Set(charged);
  const missing = input.requests.filter((r) => !chargedSet.has(responseId(r) ?? ""));
  const unexplained = missing.filter((r) => !crashExplaining(r, input.faults));
  if (unexplained.length > 0) {
    const outage = (r: RecordedRequest) => input.faults.some((f) => f.kind === "nats-restart" && f.at >= r.time - 1_000 && f.at <= r.time + (r.durationMs ?? 0) + 3_000);
    problems.push(`answered calls never charged: ${unexplained.map((r) => `#${r.index} ${processRole(r)}${outage(r) ? " (answered while nats-server restarted)" : ""}`).join(", ")}`);
  }

  return {
    tag: input.tag, runId: view.id, status: view.status, problems, lostEvents, duplicateTransitions, duplicateEvents, duplicateVerdicts,
    usageEvents: usage.length, answeredCalls: input.requests.length,
    uncharged: missing.map((r) => {
      const f = crashExplaining(r, input.faults);
      return `${input.tag} ${processRole(r)} call #${r.index} answered at ${r.time}: ${f ? `${f.kind} ${f.role ?? ""} at ${f.at}` : "no crash explains it"}`;
    }),
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
