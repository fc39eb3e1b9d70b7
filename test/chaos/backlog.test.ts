import { connectBus, type Bus } from "@harness/bus";
import { CONSUMERS, RunState, STREAMS } from "@harness/contracts";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { sleep, waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../packages/logger/src/index.js";
import { rssBytes, servicePid } from "../support/chaos-procs.js";
import { table } from "../support/chaos-report.js";
import { startStack, type Stack } from "../support/stack.js";
import { tinySpec } from "../support/tiny-program.js";

const ITEMS = 500;
const CONCURRENCY = 4;
/** Each plan takes this long at the model: the consumer is the slow end of the pipe. */
const MODEL_DELAY_MS = 80;
const MB = 1024 * 1024;

describe("chaos - a backlog drains through a slow consumer", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let bus: Bus;

  beforeAll(async () => {
    model = await startScriptedModel({ script: [{ match: { role: "planner" }, reply: { delayMs: MODEL_DELAY_MS, toolUse: [{ name: "submit_spec", input: tinySpec("Backlog", 1) }] } }] });
    // The supervisor alone: work queues up with nobody to take it.
    stack = await startStack({ modelUrl: model.url, roles: [], env: { PLANNER_CONCURRENCY: String(CONCURRENCY) } });
    bus = await connectBus({ ...stack.nats.as(), name: "backlog-observer", logger: createLogger("backlog", { level: "silent" }) });
  });

  afterAll(async () => {
    await bus?.close();
    await stack?.stop();
    await model?.close();
  });

  it(`${ITEMS} queued work items drain through one replica with bounded in-flight work and memory`, async () => {
    // Big prompts, so holding the backlog in memory would show; the spec gate stops each run after planning.
    const prompt = (i: number) => `Backlog item ${i}: ${"a tally counter with undo and export; ".repeat(200)}`.slice(0, 8_000);
    for (let i = 0; i < ITEMS; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => fetch(`${stack.apiUrl}/runs`, {
        method: "POST", headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" },
        body: JSON.stringify({ prompt: prompt(i + j), options: { gates: { approveSpec: true }, constraints: "c".repeat(4_000) } }),
      }).then((r) => { if (r.status !== 201) throw new Error(`POST /runs answered ${r.status}`); })));
    }
    await waitFor(async () => (await bus.jsm.consumers.info(STREAMS.work, CONSUMERS.planner)).num_pending === ITEMS, { timeoutMs: 60_000, intervalMs: 250, what: `${ITEMS} plan items queued` });

    const planner = await stack.start("planner");
    const pid = servicePid(planner);
    const started = Date.now();
    const samples: Array<{ rss: number; inFlight: number; pending: number }> = [];
    for (;;) {
      const info = await bus.jsm.consumers.info(STREAMS.work, CONSUMERS.planner);
      samples.push({ rss: rssBytes(pid), inFlight: info.num_ack_pending, pending: info.num_pending });
      if (info.num_pending === 0 && info.num_ack_pending === 0) break;
      if (Date.now() - started > 120_000) throw new Error(`backlog not drained after 120s: ${info.num_pending} pending`);
      await sleep(200);
    }
    const drainedMs = Date.now() - started;

    const planned = await countPlanned(bus);
    const rss = samples.map((s) => s.rss).filter((b) => b > 0);
    const first = rss[0] ?? 0;
    const peak = Math.max(...rss);
    const maxInFlight = Math.max(...samples.map((s) => s.inFlight));
    // Warm-up (JIT, connection buffers) happens early; a leak keeps growing through the second half.
    const half = samples.find((s) => s.pending <= ITEMS / 2 && s.rss > 0)?.rss ?? first;
    console.log(`\nbacklog\n${table([{
      items: ITEMS, concurrency: CONCURRENCY, "drained in": `${(drainedMs / 1000).toFixed(1)}s`, "max in flight": maxInFlight,
      "rss first": `${(first / MB).toFixed(0)} MB`, "rss half-way": `${(half / MB).toFixed(0)} MB`, "rss peak": `${(peak / MB).toFixed(0)} MB`, "rss last": `${((rss.at(-1) ?? 0) / MB).toFixed(0)} MB`, "runs planned": planned,
    }])}\n`);

    expect(planned).toBe(ITEMS);
    // Pulled only as fast as it handles: never the backlog at once.
    expect(maxInFlight).toBeLessThanOrEqual(CONCURRENCY * 2);
    expect(samples.length).toBeGreaterThan(10);
    // A consumer holding the backlog, or leaking per message, would grow by far more than this.
    expect(peak - first).toBeLessThan(96 * MB);
    expect(peak).toBeLessThan(400 * MB);
    expect(peak - half).toBeLessThan(40 * MB);
  });
});

async function countPlanned(bus: Bus): Promise<number> {
  let n = 0;
  for (const key of await bus.runs.keys()) {
    const entry = await bus.runs.get(key);
    const s = RunState.safeParse(entry?.value);
    if (s.success && s.data.specVersion === 1 && s.data.waitingFor === "spec_approval") n++;
  }
  return n;
}
