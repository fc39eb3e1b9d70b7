import { BUCKETS } from "@harness/contracts";
import type { RecordedRequest } from "@harness/scripted-model";
import { connect } from "@nats-io/transport-node";
import { cheapPrompt, cheapScript } from "./cheap-script.js";
import { repeatedPrefixTokens } from "./prompt-prefix.js";
import { withBenchStack } from "./stack.js";
import { round } from "./stats.js";
import type { BenchResult } from "./types.js";

export interface ContextGrowthOptions {
  sprints?: number;
  /** The real API caches no prefix shorter than this (1,024 tokens for Sonnet and Opus). */
  minCacheableTokens?: number;
  log?: (line: string) => void;
}

/** Which sprint a request works on, from the padded number every sprint's text carries. */
function sprintOf(r: RecordedRequest): number {
  const m = /status file (\d\d)/i.exec(JSON.stringify(r.body));
  return m ? Number(m[1]) : 0;
}

const promptTokens = (r: RecordedRequest): number =>
  (r.usage?.input_tokens ?? 0) + (r.usage?.cache_read_input_tokens ?? 0) + (r.usage?.cache_creation_input_tokens ?? 0);

interface StateWrite { sprint: number; bytes: number }

const meanBytes = (writes: readonly StateWrite[], sprint: number): number => {
  const at = writes.filter((w) => w.sprint === sprint);
  return at.reduce((n, w) => n + w.bytes, 0) / Math.max(1, at.length);
};

function meanPromptTokens(requests: readonly RecordedRequest[]): number {
  return requests.reduce((n, r) => n + promptTokens(r), 0) / Math.max(1, requests.length);
}

/**
 * One long run, every model request recorded by the scripted server. Growth: prompt tokens per
 * call (input + cache read + cache write) in the last sprint against the first; each call starts
 * from handoff messages, so they should not grow. Cache: of the prompt tokens that repeat an
 * earlier call's prefix, the share the API was able to read from cache.
 */
export async function benchContextGrowth(opts: ContextGrowthOptions = {}): Promise<BenchResult> {
  const sprints = opts.sprints ?? 20;
  const minCacheableTokens = opts.minCacheableTokens ?? 1_024;
  const log = opts.log ?? (() => undefined);
  // A builder that looks before it writes: list_files' answer grows by a file every sprint.
  const { requests, writes } = await withBenchStack({ script: cheapScript({ buildSteps: ["list", "write"] }), minCacheableTokens }, async (stack, observer) => {
    // Every write of a run's state, as the server receives it: what the supervisor rewrites
    // on each event (twice when it sends work), usage events of model calls included.
    const nc = await connect({ ...stack.nats.as(), name: "bench-state-writes" });
    const writes: StateWrite[] = [];
    nc.subscribe(`$KV.${BUCKETS.runs}.*`, {
      callback: (err, m) => { if (!err && m.data.length > 0) writes.push({ sprint: m.json<{ currentSprint?: number }>().currentSprint ?? 0, bytes: m.data.length }); },
    });
    try {
      await nc.flush();
      const id = await stack.createRun(cheapPrompt(sprints, "long"), { maxSprints: sprints });
      await observer.waitEnded([id], 600_000);
      if (observer.ended.get(id)?.status !== "completed") throw new Error(`run ${id} ended ${observer.ended.get(id)?.status}`);
      return { requests: stack.model.requests.filter((r) => r.path === "/v1/messages" && r.status === 200), writes };
    } finally {
      await nc.close();
    }
  });
  log(`${requests.length} model calls over ${sprints} sprints`);

  const first = requests.filter((r) => sprintOf(r) === 1);
  const last = requests.filter((r) => sprintOf(r) === sprints);
  const repeated = repeatedPrefixTokens(requests);
  let read = 0;
  let repeat = 0;
  requests.forEach((r, i) => {
    const prefix = repeated[i] ?? 0;
    if (prefix === 0) return;
    repeat += prefix;
    read += Math.min(prefix, r.usage?.cache_read_input_tokens ?? 0);
  });
  const total = requests.reduce((n, r) => n + promptTokens(r), 0);
  const figures = {
    promptTokensPerCallSprint1: round(meanPromptTokens(first), 1),
    [`promptTokensPerCallSprint${sprints}`]: round(meanPromptTokens(last), 1),
    callsSprint1: first.length,
    [`callsSprint${sprints}`]: last.length,
    repeatedPrefixShareOfPrompt: round(repeat / total),
    cacheReadShareOfRepeatedPrefix: round(read / repeat),
    runStateBytesPerWriteSprint1: Math.round(meanBytes(writes, 1)),
    [`runStateBytesPerWriteSprint${sprints}`]: Math.round(meanBytes(writes, sprints)),
  };
  const growth = round(meanPromptTokens(last) / meanPromptTokens(first));
  log(`run state: ${writes.length} writes, ${Math.round(meanBytes(writes, 1))} bytes each in sprint 1, ${Math.round(meanBytes(writes, sprints))} in sprint ${sprints}`);
  return {
    figures,
    baseline: { [`promptTokensPerCallSprint${sprints}`]: round(meanPromptTokens(first), 1) },
    // The baseline of the sprint-20 figure is sprint 1's. runStateGrowth has no target of its
    // own: finished sprints leave the state with their event ids, so it stays near 1x.
    ratios: { growth, runStateGrowth: round(meanBytes(writes, sprints) / meanBytes(writes, 1)) },
    targets: {
      growth: { target: `sprint ${sprints} prompt tokens/call <= 1.1x sprint 1`, met: growth <= 1.1 },
      cache: { target: "repeated prefix read from cache >= 80%", met: read / repeat >= 0.8 },
    },
    params: { sprints, minCacheableTokens, calls: requests.length, model: "scripted, zero latency" },
  };
}
