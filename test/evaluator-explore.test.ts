import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { BrowserCheck, EvaluationRequested, type ArtifactRef, type BrowserStep, type ExploreOptions, type Verdict } from "@harness/contracts";
import { createModelClient, type UsageRecord } from "@harness/model";
import { startScriptedModel, type RecordedRequest, type Script, type ScriptRequest, type StaticReply } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { snapshot } from "@harness/workspace";
import { launchBrowser, runBrowserCheck } from "../services/evaluator/src/checks/browser.js";
import { EvaluationInterruptedError } from "../services/evaluator/src/errors.js";
import { evaluate } from "../services/evaluator/src/evaluate.js";
import { FreshProducts } from "../services/evaluator/src/explore/instance.js";
import { shelfContract, shelfFeatures, writeShelf, type ShelfTwin } from "./fixtures/apps/shelf.js";

const CHROMIUM = process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium";

/** The reproduction a careful explorer writes for the display-only delete: two items, delete one, reload. */
const DELETE_COMES_BACK: BrowserStep[] = [
  { action: "goto", path: "/" },
  { action: "fill", selector: "#name", value: "Milk" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items", text: "Milk", exact: false },
  { action: "fill", selector: "#name", value: "Bread" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items", text: "Bread", exact: false },
  { action: "click", selector: "li.item:has-text(\"Milk\") button.delete" }, { action: "expectNoText", selector: "#items", text: "Milk" },
  { action: "reload" }, { action: "expectText", selector: "#items", text: "Bread", exact: false }, { action: "expectNoText", selector: "#items", text: "Milk" },
];

const finding = (title: string, steps: BrowserStep[]) => ({
  name: "report_finding",
  input: { title, description: `${title}: F2.1 says a deleted item stays gone after a reload.`, criterionIds: ["F2.1"], reproduction: { kind: "browser", steps } },
});

/** An explorer that looks around, then reports what its turn-indexed plan says; then stops. */
function explorer(reports: Array<{ name: string; input: Record<string, unknown> }>): Script {
  const plan: StaticReply[] = [
    { text: "Trying add and delete.", toolUse: [{ name: "goto", input: { path: "/" } }, { name: "fill", input: { selector: "#name", value: "Milk" } }, { name: "click", input: { selector: "#add" } }] },
    { toolUse: [{ name: "click", input: { selector: "li.item button.delete" } }, { name: "reload", input: {} }, { name: "read_text", input: { selector: "#items" } }, { name: "page_log", input: {} }] },
    ...reports.map((r): StaticReply => ({ toolUse: [r] })),
    { text: "Done: reported what I found." },
  ];
  return [{ name: "explorer", match: { role: "evaluator", hasTool: "report_finding" }, reply: (req: ScriptRequest) => plan[Math.min(req.turn, plan.length - 1)]! }];
}

function toolErrors(requests: RecordedRequest[]): string[] {
  const body = requests.at(-1)?.body as { messages?: Array<{ content: unknown }> } | undefined;
  return (body?.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((b: { type?: string; is_error?: boolean }) => b.type === "tool_result" && b.is_error === true)
    .map((b: { content?: unknown }) => String(b.content));
}

describe("evaluator - exploratory QA, confirmed by replay on fresh starts", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let work: string;
  const artifacts = new Map<ShelfTwin, ArtifactRef>();

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "evaluator-explore-test" });
    await bus.provision();
    work = await mkdtemp(join(tmpdir(), "evaluator-explore-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
    for (const twin of ["correct", "display-only-delete"] as const) {
      await writeShelf(twin, join(work, twin));
      artifacts.set(twin, await bus.artifacts.put((await snapshot(join(work, twin))).bytes));
    }
  });

  afterAll(async () => {
    await bus?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function judge(twin: ShelfTwin, script: Script, explore?: Partial<ExploreOptions>, signal?: AbortSignal): Promise<{ verdict: Verdict; requests: RecordedRequest[]; usage: UsageRecord[] }> {
    const model = await startScriptedModel({ script });
    const usage: UsageRecord[] = [];
    try {
      const msg = EvaluationRequested.parse({
        id: `explore-${twin}-${Date.now()}`, schemaVersion: 1, type: "evaluation.requested", runId: `run-${twin}`, sprint: 1, attempt: 1, causationId: null,
        producer: { role: "supervisor", instance: "test" }, time: new Date().toISOString(),
        payload: { specExcerpt: { title: "Shelf", overview: "Items you add, keep and delete.", features: shelfFeatures() }, contract: shelfContract(), artifact: artifacts.get(twin)!, ...(explore ? { explore } : {}) },
      });
      const deps = { bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core", workdir: join(work, "evaluator"), chromium: CHROMIUM, judgeSystem: "unused" };
      const verdict = await evaluate(deps, msg, { onUsage: async (u) => { usage.push(u); }, ...(signal ? { signal } : {}) });
      return { verdict, requests: model.requests, usage };
    } finally {
      await model.close();
    }
  }

  const contractIds = shelfContract().checks.map((c) => c.id);
  const summaryOf = (v: Verdict) => v.criteria.find((c) => c.checkId === "explore");
  const notesOf = (v: Verdict) => (summaryOf(v)?.evidence ?? []).map((e) => `${e.summary}\n${e.detail ?? ""}`).join("\n");

  it("fails the display-only delete that the contract never tried by a finding replayed on fresh starts, and its reproduction passes on the correct twin", async () => {
    const { verdict, requests, usage } = await judge("display-only-delete", explorer([finding("a deleted item is back after a reload", DELETE_COMES_BACK)]));
    expect(verdict.criteria.filter((c) => contractIds.includes(c.checkId)).every((c) => c.passed), verdict.summary).toBe(true);
    expect(verdict.passed).toBe(false);
    const failed = verdict.criteria.filter((c) => !c.passed);
    expect(failed.map((c) => c.checkId)).toEqual(["explore-1"]);
    const f = failed[0]!;
    expect(f.kind).toBe("exploratory");
    expect(f.criterionIds).toEqual(["F2.1"]);
    expect(f.feedback).toContain("F2.1 says a deleted item stays gone");
    expect(f.evidence.map((e) => e.summary).join("\n")).toContain("reproduced on 2 fresh starts");
    const shot = f.evidence.find((e) => e.kind === "screenshot" && e.summary.includes("failure-step-12"));
    expect(await bus.artifacts.has(shot!.artifact!.name)).toBe(true);
    // Every explorer call went through the caller's usage path, the same as every other call.
    expect(usage.map((u) => u.role)).toEqual(requests.map(() => "evaluator"));
    expect(requests).toHaveLength(4);

    // The reproduction, as the regression set will keep it, on one more fresh start of each twin.
    const reproduction = BrowserCheck.parse(f.reproduction);
    const browser = await launchBrowser(CHROMIUM);
    try {
      for (const twin of ["display-only-delete", "correct"] as const) {
        const products = new FreshProducts({ bytes: (await bus.artifacts.get(artifacts.get(twin)!.name))!, app: shelfContract().app!, env: {}, baseDir: join(work, `again-${twin}`) });
        const product = await products.start();
        try {
          const { result } = await runBrowserCheck(browser, product.baseUrl, reproduction);
          expect(result.passed, `${twin}: ${result.feedback}`).toBe(twin === "correct");
        } finally {
          await product.stop();
          await products.dispose();
        }
      }
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("leaves the correct twin passing when the same reported bug does not reproduce, and keeps it as a note", async () => {
    const { verdict } = await judge("correct", explorer([finding("a deleted item is back after a reload", DELETE_COMES_BACK)]));
    expect(verdict.passed, verdict.summary).toBe(true);
    expect(summaryOf(verdict)?.passed).toBe(true);
    expect(notesOf(verdict)).toContain("explore-1 (F2.1) did not reproduce");
    expect(verdict.criteria.some((c) => c.reproduction !== undefined)).toBe(false);
  }, 120_000);

  it("discards a reproduction that fails on the correct twin too (a step before its assertion fails), and refuses one asserting on an unproven selector before replay", async () => {
    const bogus = finding("clearing completed items keeps deleted ones", [
      { action: "goto", path: "/" }, { action: "fill", selector: "#name", value: "Milk" }, { action: "click", selector: "#add" },
      { action: "expectText", selector: "#items", text: "Milk", exact: false }, { action: "click", selector: "#clear-completed" }, { action: "expectNoText", selector: "#items", text: "Milk" },
    ]);
    const unproven = finding("no undo after a delete", [
      { action: "goto", path: "/" }, { action: "fill", selector: "#name", value: "Milk" }, { action: "click", selector: "#add" }, { action: "expectVisible", selector: "#undo-toast" },
    ]);
    for (const twin of ["display-only-delete", "correct"] as const) {
      const { verdict, requests } = await judge(twin, explorer([unproven, bogus]));
      expect(verdict.passed, `${twin}: ${verdict.summary}`).toBe(true);
      expect(notesOf(verdict), twin).toMatch(/explore-1 \(F2\.1\) discarded: a step before the final assertion fails/);
      expect(toolErrors(requests).join("\n"), twin).toContain("not recorded: the failing assertion's selector \"#undo-toast\" is not used by an earlier step");
    }
  }, 120_000);

  it("confirms nothing on the correct twin from reproductions that would fail on any product: a misspelt path, a bare goto-and-assert, a negative assertion the untouched page fails", async () => {
    const report = (title: string, reproduction: unknown) => ({ name: "report_finding", input: { title, description: `${title} (F1.1)`, criterionIds: ["F1.1"], reproduction } });
    const misspelt = report("the item list is missing", { kind: "http", method: "GET", path: "/api/itmes", expectStatus: 200 });
    const bare = report("no welcome text", { kind: "browser", steps: [{ action: "goto", path: "/" }, { action: "expectText", selector: "body", text: "Shelf" }, { action: "expectText", selector: "body", text: "Welcome back" }] });
    const always = report("the heading stays after adding", { kind: "browser", steps: [
      { action: "goto", path: "/" }, { action: "fill", selector: "#name", value: "Milk" }, { action: "click", selector: "#add" },
      { action: "expectText", selector: "#items", text: "Milk", exact: false }, { action: "expectNoText", selector: "body", text: "Shelf" },
    ] });
    const { verdict, requests } = await judge("correct", explorer([misspelt, bare, always]));
    expect(verdict.passed, verdict.summary).toBe(true);
    const errors = toolErrors(requests).join("\n");
    expect(errors).toContain("GET /api/itmes is not a route the contract uses");
    expect(errors).toContain("never interacts with the product");
    expect(notesOf(verdict)).toMatch(/explore-1 \(F1\.1\) discarded: its final assertion fails without any of its interactions too/);
  }, 120_000);

  it("with no explorer script, explores in one call that finds nothing; an evaluation with exploration off calls no model", async () => {
    const on = await judge("display-only-delete", []);
    expect(on.verdict.passed, on.verdict.summary).toBe(true);
    expect(on.requests).toHaveLength(1);
    expect(on.usage).toHaveLength(1);
    expect(summaryOf(on.verdict)?.feedback).toMatch(/^explored in 1 turn\(s\), \d+ tokens, \d+ s \(the explorer finished\); 0 finding\(s\) reported/);
    const off = await judge("display-only-delete", [], { enabled: false });
    expect(off.requests).toHaveLength(0);
    expect(off.verdict.criteria.map((c) => c.checkId).sort()).toEqual([...contractIds].sort());
  }, 120_000);

  it("stops exploring when the evaluator stops, and gives no verdict: the evaluation is redone, never judged on a cut-short exploration", async () => {
    const stop = new AbortController();
    let turns = 0;
    const script: Script = [{ match: { hasTool: "report_finding" }, reply: () => { turns++; stop.abort(); return { toolUse: [{ name: "goto", input: { path: "/" } }] }; } }];
    await expect(judge("display-only-delete", script, undefined, stop.signal)).rejects.toThrow(EvaluationInterruptedError);
    expect(turns, "no model turn after the stop").toBe(1);
  }, 120_000);
});
