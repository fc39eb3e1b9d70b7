import type { RecordedRequest } from "@harness/scripted-model";
import { cheapPrompt, cheapScript } from "./cheap-script.js";
import { RESULT_TYPES, stepLatencies, type Seen } from "./observer.js";
import { withBenchStack } from "./stack.js";
import { settle, SETTLE_MS, warmUp, warmupRunsFromEnv } from "./warmup.js";
import { round } from "./stats.js";
import type { BenchResult } from "./types.js";

export interface OverheadShareOptions {
  latencyMs?: number;
  sprints?: number;
  /** Measured runs, one after another. */
  runs?: number;
  /** Zero-latency runs before, all at once. */
  warmupRuns?: number;
  log?: (line: string) => void;
}

/**
 * The span in which the model server had a request: from its headers arriving to its answer's
 * last byte written. Its own parsing and writing are the model's time, not the harness's.
 */
export function modelSpan(r: RecordedRequest): readonly [number, number] | undefined {
  if (r.sentAt !== null) return [r.receivedAt, r.sentAt];
  return r.durationMs === null ? undefined : [r.time, r.time + r.durationMs];
}

/** Milliseconds within [from, to] during which at least one model request was open. */
export function modelBusyMs(requests: readonly RecordedRequest[], from: number, to: number): number {
  const spans = requests
    .map(modelSpan)
    .filter((s): s is readonly [number, number] => s !== undefined)
    .map(([a, b]) => [Math.max(from, a), Math.min(to, b)] as const)
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


interface Measured { wallMs: number; busyMs: number; calls: number; stepsMs: number; perWork: Record<string, number> }

/**
 * Runs against a slow model (2 s per call, as real calls are slow), one at a time: of each run's
 * wall time, from POST /runs to the completed transition, how much went to anything but waiting
 * on the model. Zero-latency runs first warm every service up (V8 optimizes code that has run
 * hundreds of times), as a deployment that has served runs for a while would be.
 */
export async function benchOverheadShare(opts: OverheadShareOptions = {}): Promise<BenchResult> {
  const latencyMs = opts.latencyMs ?? 2_000;
  const sprints = opts.sprints ?? 3;
  const runs = opts.runs ?? 3;
  const warmupRuns = opts.warmupRuns ?? warmupRunsFromEnv();
  const log = opts.log ?? (() => undefined);
  let latency = latencyMs;
  const { cold, measured } = await withBenchStack({ script: cheapScript({ latencyMs: () => latency }) }, async (stack, observer) => {
    const measure = async (label: string): Promise<Measured> => {
      await settle();
      observer.clear();
      const t0 = performance.now();
      const startedAt = performance.timeOrigin + t0;
      const id = await stack.createRun(cheapPrompt(sprints, label), { maxSprints: sprints });
      await observer.waitEnded([id], 600_000);
      const ended = observer.ended.get(id);
      if (ended?.status !== "completed") throw new Error(`run ${id} ended ${ended?.status}`);
      const wallMs = ended.at - t0;
      const requests = stack.model.requests.filter((r) => r.path === "/v1/messages" && r.receivedAt >= startedAt);
      const busyMs = modelBusyMs(requests, startedAt, startedAt + wallMs);
      const m = {
        wallMs, busyMs, calls: requests.length, stepsMs: stepLatencies(observer.seen).reduce((a, b) => a + b, 0),
        perWork: workOverheadMs(observer.seen, requests, (at) => startedAt + (at - t0)),
      };
      log(`${label}: ${m.calls} model calls, ${round(busyMs / 1000, 2)} s of ${round(wallMs / 1000, 2)} s waiting on the model, ${Math.round(wallMs - busyMs)} ms not (supervisor steps ${Math.round(m.stepsMs)} ms, ${Object.entries(m.perWork).map(([k, v]) => `${k} ${v}`).join(", ")})`);
      return m;
    };
    // The first run a new stack serves, for comparison: nothing is optimized or connected yet.
    const first = await measure("cold run (the stack's first)");
    latency = 0;
    await warmUp(stack, observer, warmupRuns, sprints);
    latency = latencyMs;
    const out: Measured[] = [];
    for (let i = 0; i < runs; i++) out.push(await measure(`run ${i + 1} of ${runs}`));
    return { cold: first, measured: out };
  });

  // One share over all measured runs: each run's wall time weighs what it lasted.
  const sum = (f: (m: Measured) => number): number => measured.reduce((a, m) => a + f(m), 0);
  const wallMs = sum((m) => m.wallMs);
  const overheadMs = wallMs - sum((m) => m.busyMs);
  const share = overheadMs / wallMs;
  const perRun = (v: number): number => Math.round(v / measured.length);
  const workTypes = [...new Set(measured.flatMap((m) => Object.keys(m.perWork)))];
  // The strictest reading: all but the scripted latency itself is overhead, the stand-in
  // server's own parsing, token counting and writing included (the calls never overlap).
  const strictMs = wallMs - sum((m) => m.calls) * latencyMs;
  return {
    figures: {
      overheadSharePct: round(share * 100, 2),
      wallMsPerRun: perRun(wallMs), modelWaitMsPerRun: perRun(wallMs - overheadMs), overheadMsPerRun: perRun(overheadMs),
      ...Object.fromEntries(measured.map((m, i) => [`overheadMs.run${i + 1}`, Math.round(m.wallMs - m.busyMs)])),
      supervisorStepsMsPerRun: perRun(sum((m) => m.stepsMs)), callsPerRun: perRun(sum((m) => m.calls)),
      strictOverheadSharePct: round((strictMs / wallMs) * 100, 2), strictOverheadMsPerRun: perRun(strictMs),
      coldRunOverheadMs: Math.round(cold.wallMs - cold.busyMs), coldRunOverheadSharePct: round(((cold.wallMs - cold.busyMs) / cold.wallMs) * 100, 2),
      ...Object.fromEntries(workTypes.map((k) => [`insideWorkMsPerRun.${k}`, perRun(sum((m) => m.perWork[k] ?? 0))])),
    },
    baseline: {},
    ratios: {},
    targets: { overhead: { target: "time not waiting on the model < 1% of wall time", met: share < 0.01 } },
    params: { latencyMs, sprints, runs, warmupRuns, settleMs: SETTLE_MS, model: "scripted, fixed latency" },
  };
}
