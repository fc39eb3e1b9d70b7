import type { RecordedRequest } from "@harness/scripted-model";
import { cheapPrompt, cheapScript } from "./cheap-script.js";
import { RESULT_TYPES, stepLatencies, type Seen } from "./observer.js";
import { withBenchStack } from "./stack.js";
import { round } from "./stats.js";
import type { BenchResult } from "./types.js";

export interface OverheadShareOptions {
  latencyMs?: number;
  sprints?: number;
  log?: (line: string) => void;
}

/** Milliseconds within [from, to] during which at least one model request was open. */
export function modelBusyMs(requests: readonly RecordedRequest[], from: number, to: number): number {
  const spans = requests
    .filter((r) => r.durationMs !== null)
    .map((r) => [Math.max(from, r.time), Math.min(to, r.time + (r.durationMs ?? 0))] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let busy = 0;
  let end = from;
  for (const [a, b] of spans) {
    if (b <= end) continue;
    busy += b - Math.max(a, end);
    end = b;
  }
  return busy;
}

/**
 * Non-model milliseconds inside each work item, by work type: from the work item's publish to
 * its result event's, less the time a model request was open. `toEpoch` maps observer stamps.
 */
function workOverheadMs(seen: readonly Seen[], requests: readonly RecordedRequest[], toEpoch: (at: number) => number): Record<string, number> {
  const results = new Map<string, Seen>();
  for (const s of seen) if (s.kind === "event" && s.causationId !== null && RESULT_TYPES.has(s.type)) results.set(s.causationId, s);
  const out: Record<string, number> = {};
  for (const w of seen) {
    const r = w.kind === "work" ? results.get(w.id) : undefined;
    if (!r) continue;
    const key = w.type.replace(/\.requested$/, "");
    const inside = r.at - w.at - modelBusyMs(requests, toEpoch(w.at), toEpoch(r.at));
    out[key] = (out[key] ?? 0) + inside;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)]));
}

/**
 * One run against a slow model (2 s per call, as real calls are slow): of its wall time, from
 * POST /runs to the completed transition, how much went to anything but waiting on the model.
 * A zero-latency run first warms every service up, as a long-lived deployment would be.
 */
export async function benchOverheadShare(opts: OverheadShareOptions = {}): Promise<BenchResult> {
  const latencyMs = opts.latencyMs ?? 2_000;
  const sprints = opts.sprints ?? 3;
  const log = opts.log ?? (() => undefined);
  let latency = 0;
  const m = await withBenchStack({ script: cheapScript({ latencyMs: () => latency }) }, async (stack, observer) => {
    const warm = await stack.createRun(cheapPrompt(sprints, "warmup"), { maxSprints: sprints });
    await observer.waitEnded([warm], 300_000);
    observer.clear();
    latency = latencyMs;
    const startedAt = Date.now();
    const t0 = performance.now();
    const id = await stack.createRun(cheapPrompt(sprints, "slow"), { maxSprints: sprints });
    await observer.waitEnded([id], 600_000);
    const ended = observer.ended.get(id);
    if (ended?.status !== "completed") throw new Error(`run ${id} ended ${ended?.status}`);
    const wallMs = ended.at - t0;
    const requests = stack.model.requests.filter((r) => r.path === "/v1/messages" && r.time >= startedAt);
    return {
      wallMs, calls: requests.length, busyMs: modelBusyMs(requests, startedAt, startedAt + wallMs), steps: stepLatencies(observer.seen),
      perWork: workOverheadMs(observer.seen, requests, (at) => startedAt + (at - t0)),
    };
  });
  const { wallMs, busyMs, calls, steps, perWork } = m;
  log(`${calls} model calls, ${round(busyMs / 1000, 1)} s of ${round(wallMs / 1000, 1)} s waiting on the model`);

  const overheadMs = wallMs - busyMs;
  const share = overheadMs / wallMs;
  const stepsMs = steps.reduce((a, b) => a + b, 0);
  return {
    figures: {
      wallMs: Math.round(wallMs), modelWaitMs: Math.round(busyMs), overheadMs: Math.round(overheadMs), overheadSharePct: round(share * 100, 2),
      supervisorStepsMs: Math.round(stepsMs), calls,
      ...Object.fromEntries(Object.entries(perWork).map(([k, v]) => [`insideWorkMs.${k}`, v])),
    },
    baseline: {},
    ratios: {},
    targets: { overhead: { target: "time not waiting on the model < 1% of wall time", met: share < 0.01 } },
    params: { latencyMs, sprints, model: "scripted, fixed latency" },
  };
}
