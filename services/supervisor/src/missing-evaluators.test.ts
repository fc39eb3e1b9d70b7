import type { OutboxItem, RunState } from "@harness/contracts";
import { describe, expect, it } from "vitest";
import { awaitedEvaluators, missingEvaluators } from "./missing-evaluators.js";
import { initialState, reduce } from "./reducer.js";
import { ART, contractFor, deepFrozen, ev, options, SPEC, verdict } from "./test-fixtures.js";
import { runView } from "./views.js";
import { reduceWatchdog, watchdogAction, type WatchdogPolicy } from "./watchdog-rules.js";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
const records = (out: OutboxItem[]) => out.filter((o) => o.kind === "event").map((o) => o.message["payload"] as { from: string; to: string; decision: string; reason: string });
const CORE_ONLY = new Set(["core"]);

/** A run gated by core and ghost, built and waiting for its verdicts; core's is in when `coreDone`. */
function awaitingVerdicts(coreDone = true): RunState {
  const r = "run1";
  const opts = options({ evaluators: ["core", "ghost"] });
  let s = initialState(r, "a counter", opts, at(0));
  const events = [
    ev(r, "run.requested", { prompt: "a counter", options: opts }), ev(r, "spec.produced", { spec: SPEC, version: 1 }),
    ev(r, "contract.proposed", { contract: contractFor(1), round: 1 }, 1),
    ev(r, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" }, 1),
    ev(r, "build.produced", { artifact: ART, files: ["a.js"], notes: "" }, 1, 1),
    ...(coreDone ? [ev(r, "verdict.produced", { verdict: verdict(true) }, 1, 1)] : []),
  ];
  for (const e of events) s = reduce(deepFrozen(s), e, at(0)).state;
  return s;
}

function tick(s: RunState, ms: number, policy: WatchdogPolicy) {
  const action = watchdogAction(s, T0 + ms, policy);
  if (!action) return { s, action, out: [] as OutboxItem[] };
  const { state, outbox } = reduceWatchdog(deepFrozen(s), action, at(ms));
  return { s: state, action, out: outbox };
}

describe("supervisor watchdog - an evaluator with no live instance", () => {
  it("knows which verdicts the run waits for, and which of those no live instance can give", () => {
    expect(awaitedEvaluators(awaitingVerdicts(false))).toEqual(["core", "ghost"]);
    const s = awaitingVerdicts();
    expect(awaitedEvaluators(s)).toEqual(["ghost"]);
    expect(missingEvaluators(s, CORE_ONLY)).toEqual(["ghost"]);
    expect(missingEvaluators(s, new Set(["core", "ghost"]))).toEqual([]);
    // Not known yet (a registry that has not heard a full round of heartbeats): nobody is missing.
    expect(missingEvaluators(s, undefined)).toEqual([]);
  });

  it("says once that the run waits for an evaluator with no live instance, then keeps waiting without a stall re-dispatch when no limit is set", () => {
    const policy = { stallAfterMs: 60_000, live: CORE_ONLY, evaluatorWaitMs: 0 };
    const { s, action, out } = tick(awaitingVerdicts(), 1_000, policy);
    expect(action?.kind).toBe("evaluator_missing");
    expect(records(out)).toEqual([{ from: "running", to: "running", decision: "evaluator_missing", reason: "waiting for evaluator ghost: no live instance" }]);
    expect(out.filter((o) => o.kind === "work")).toEqual([]);
    expect(s.status).toBe("running");
    // Said once; and hours later, with no limit, still waiting: re-dispatching work nobody takes changes nothing.
    expect(tick(s, 2_000, policy).action).toBeUndefined();
    expect(tick(s, 5 * 3_600_000, policy).action).toBeUndefined();
  });

  it("fails the run when the wait passes the limit with no progress, naming the evaluator", () => {
    const policy = { stallAfterMs: 60_000, live: CORE_ONLY, evaluatorWaitMs: 600_000 };
    let { s } = tick(awaitingVerdicts(), 1_000, policy);
    expect(tick(s, 599_000, policy).action).toBeUndefined();
    const gone = tick(s, 601_000, policy);
    s = gone.s;
    expect(gone.action?.kind).toBe("evaluator_gone");
    expect(s.status).toBe("failed");
    expect(s.reason).toBe("waiting for evaluator ghost: no live instance for 601s (SUPERVISOR_EVALUATOR_WAIT_MS): start it, or name only running evaluators in the run's options");
    expect(records(gone.out).map((r) => r.decision)).toEqual(["evaluator_unavailable"]);
  });

  it("leaves the run to the stall rules when every awaited evaluator is live, or liveness is not known yet", () => {
    for (const live of [new Set(["core", "ghost"]), undefined]) {
      const s = awaitingVerdicts();
      expect(tick(s, 1_000, { stallAfterMs: 60_000, live, evaluatorWaitMs: 1 }).action).toBeUndefined();
      expect(tick(s, 61_000, { stallAfterMs: 60_000, live, evaluatorWaitMs: 1 }).action?.kind).toBe("redispatch");
    }
  });

  it("names every missing evaluator, and a later attempt's wait is said again", () => {
    const policy = { stallAfterMs: 60_000, live: new Set<string>(), evaluatorWaitMs: 0 };
    const both = tick(awaitingVerdicts(false), 1_000, policy);
    expect(records(both.out).map((r) => r.reason)).toEqual(["waiting for evaluators core, ghost: no live instance"]);
    // Attempt 1 fails on core's verdict; attempt 2 is built: its wait for ghost is a new one.
    let s = reduce(deepFrozen(tick(awaitingVerdicts(false), 1_000, { ...policy, live: new Set(["core"]) }).s), ev("run1", "verdict.produced", { verdict: verdict(false, "ghost") }, 1, 1), at(2_000)).state;
    s = reduce(deepFrozen(s), ev("run1", "verdict.produced", { verdict: verdict(false) }, 1, 1), at(2_000)).state;
    s = reduce(deepFrozen(s), ev("run1", "build.produced", { artifact: ART, files: ["a.js"], notes: "" }, 1, 2), at(3_000)).state;
    expect(tick(s, 4_000, { ...policy, live: CORE_ONLY }).action?.kind).toBe("evaluator_missing");
  });

  it("shows the wait in the API's run view while it lasts", () => {
    const s = awaitingVerdicts();
    expect(runView(s, CORE_ONLY).waitingOn).toBe("waiting for evaluator ghost: no live instance");
    expect(runView(s, new Set(["core", "ghost"])).waitingOn).toBeUndefined();
    expect(runView(s).waitingOn).toBeUndefined();
  });
});
