import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectBus } from "@harness/bus";
import { EvaluationRequested, type ExploreOptions } from "@harness/contracts";
import { createModelClient, type UsageRecord } from "@harness/model";
import { startScriptedModel, type Script, type StaticReply } from "@harness/scripted-model";
import { startNatsServer } from "@harness/testkit";
import { snapshot } from "@harness/workspace";
import { evaluate } from "../services/evaluator/src/evaluate.js";
import { shelfContract, shelfFeatures, writeShelf, type ShelfTwin } from "../test/fixtures/apps/shelf.js";

/*
 * What exploratory QA adds to one evaluation (`pnpm exec tsx bench/explore-cost.ts`): the shelf
 * fixture evaluated with exploration off, with the scripted model's default explorer ("no
 * findings", one call), and with a four-turn explorer that reports the display-only delete
 * (replayed on three fresh starts). Model calls and tokens as charged, and wall time.
 */
const FINDING: StaticReply = { toolUse: [{ name: "report_finding", input: {
  title: "a deleted item is back after a reload", description: "F2.1: a deleted item stays gone after a reload; it comes back.", criterionIds: ["F2.1"],
  reproduction: { kind: "browser", steps: [
    { action: "goto", path: "/" }, { action: "fill", selector: "#name", value: "Milk" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items", text: "Milk" },
    { action: "fill", selector: "#name", value: "Bread" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items", text: "Bread" },
    { action: "click", selector: "li.item:has-text(\"Milk\") button.delete" }, { action: "reload" }, { action: "expectText", selector: "#items", text: "Bread" }, { action: "expectNoText", selector: "#items", text: "Milk" },
  ] },
} }] };
const PLAN: StaticReply[] = [
  { toolUse: [{ name: "goto", input: { path: "/" } }, { name: "fill", input: { selector: "#name", value: "Milk" } }, { name: "click", input: { selector: "#add" } }] },
  { toolUse: [{ name: "click", input: { selector: "li.item button.delete" } }, { name: "reload", input: {} }, { name: "read_text", input: { selector: "#items" } }] },
  FINDING, { text: "Done." },
];
const EXPLORER: Script = [{ match: { hasTool: "report_finding" }, reply: (req) => PLAN[Math.min(req.turn, PLAN.length - 1)]! }];

// A measurement, not a deployment: no users, as the other benchmarks (bench/stack.ts).
const nats = await startNatsServer({ anonymous: true });
const bus = await connectBus({ url: nats.url, name: "explore-cost" });
await bus.provision();
const work = await mkdtemp(join(tmpdir(), "explore-cost-"));
try {
  const artifacts = new Map<ShelfTwin, Awaited<ReturnType<typeof bus.artifacts.put>>>();
  for (const twin of ["correct", "display-only-delete"] as const) {
    await writeShelf(twin, join(work, twin));
    artifacts.set(twin, await bus.artifacts.put((await snapshot(join(work, twin))).bytes));
  }
  const cases: Array<[string, ShelfTwin, Script, Partial<ExploreOptions>]> = [
    ["exploration off", "correct", [], { enabled: false }],
    ["default explorer, no findings", "correct", [], {}],
    ["4-turn explorer, 1 confirmed finding", "display-only-delete", EXPLORER, {}],
  ];
  for (const [label, twin, script, explore] of cases) {
    const model = await startScriptedModel({ script });
    const usage: UsageRecord[] = [];
    const msg = EvaluationRequested.parse({
      id: `cost-${Date.now()}`, schemaVersion: 1, type: "evaluation.requested", runId: "cost", sprint: 1, attempt: 1, causationId: null,
      producer: { role: "supervisor", instance: "bench" }, time: new Date().toISOString(),
      payload: { specExcerpt: { title: "Shelf", overview: "Items you add, keep and delete.", features: shelfFeatures() }, contract: shelfContract(), artifact: artifacts.get(twin)!, explore },
    });
    const started = Date.now();
    const verdict = await evaluate({ bus, model: createModelClient({ baseURL: model.url, apiKey: "bench" }), name: "core", workdir: join(work, "eval"), chromium: process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium", judgeSystem: "" }, msg, { onUsage: async (u) => { usage.push(u); } });
    const sum = (k: keyof UsageRecord["usage"]) => usage.reduce((n, u) => n + u.usage[k], 0);
    console.log(JSON.stringify({ case: label, passed: verdict.passed, calls: usage.length, inputTokens: sum("inputTokens"), outputTokens: sum("outputTokens"), cacheReadTokens: sum("cacheReadInputTokens"), cacheWriteTokens: sum("cacheCreationInputTokens"), evaluationSec: (Date.now() - started) / 1_000 }));
    await model.close();
  }
} finally {
  await bus.close();
  await nats.stop();
  await rm(work, { recursive: true, force: true });
}
