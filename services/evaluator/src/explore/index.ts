import type { ArtifactStore } from "@harness/bus";
import { ExploreOptions, type CriterionResult, type EvaluationRequested, type Evidence } from "@harness/contracts";
import { FreshProducts, type ProductSource } from "./instance.js";
import { runExplorer, type ExploreBrief, type ExplorerModel, type ExploreRun } from "./loop.js";
import { Replayer, type Replayed } from "./replay.js";
import { ProductKnowledge } from "./knowledge.js";
import { productTexts } from "./sources.js";
import { ExploreSession } from "./session.js";

export { reproductionProblems, type Finding } from "./guard.js";
export type { ExploreBrief, ExplorerModel } from "./loop.js";
export type { ProductSource } from "./instance.js";

export interface ExploreDeps extends ExplorerModel {
  chromium: string;
  artifacts: Pick<ArtifactStore, "put">;
}

/** The id of the one entry every exploration leaves in the verdict: what it did, what it did not confirm. */
export const EXPLORE_SUMMARY_ID = "explore";

/**
 * Exploratory QA of one product: the model explores a fresh start within the budget, then code
 * replays every reported reproduction on fresh starts. Returns one failed `exploratory`
 * criterion per confirmed finding (with the reproduction, for the regression set) and one passing
 * summary entry that carries the unconfirmed findings as notes: those never fail a build.
 * Exported for final acceptance, which explores the whole spec (`brief.features` = all features).
 */
export async function exploreProduct(deps: ExploreDeps, source: ProductSource, brief: ExploreBrief, options: Partial<ExploreOptions> = {}): Promise<CriterionResult[]> {
  const opts = ExploreOptions.parse(options);
  const products = new FreshProducts(source);
  const putArtifact = (bytes: Uint8Array) => deps.artifacts.put(bytes);
  try {
    const knowledge = new ProductKnowledge([...brief.features, ...brief.earlierFeatures], brief.knownChecks ?? [], brief.product.overview, brief.productTexts ?? []);
    const session = new ExploreSession(products, deps.chromium, putArtifact, knowledge);
    let run: ExploreRun;
    try {
      run = await runExplorer(deps, session, brief, opts);
    } finally {
      await session.close();
    }
    const replayer = new Replayer({ products, chromium: deps.chromium, putArtifact, ...(deps.working ? { working: deps.working } : {}), ...(deps.signal ? { signal: deps.signal } : {}) });
    const replayed: Replayed[] = [];
    try {
      for (const f of run.findings) replayed.push(await replayer.replay(f));
    } finally {
      await replayer.close();
    }
    return [...replayed.flatMap((r) => (r.confirmed ? [r.result] : [])), summaryOf(run, replayed, session.screenshots)];
  } finally {
    await products.dispose();
  }
}

function summaryOf(run: ExploreRun, replayed: Replayed[], screenshots: ExploreSession["screenshots"]): CriterionResult {
  const confirmed = replayed.filter((r) => r.confirmed).length;
  const notes: Evidence[] = replayed.flatMap((r) => r.confirmed ? [] : [
    { kind: "note" as const, summary: `${r.finding.id} (${r.finding.criterionIds.join(", ")}) ${r.why}: ${r.finding.title}`.slice(0, 4_000), detail: `${r.finding.description}\n\nreproduction:\n${JSON.stringify(r.finding.check, null, 2)}`.slice(0, 20_000) },
    ...r.evidence.filter((e) => e.kind === "screenshot" || e.kind === "note"),
  ]);
  const line = `explored in ${run.turns} turn(s), ${run.tokens} tokens, ${run.seconds} s (${run.stoppedBy}); ${run.findings.length} finding(s) reported, ${confirmed} confirmed by replay`;
  return {
    checkId: EXPLORE_SUMMARY_ID, kind: "exploratory",
    description: "Exploratory QA: the evaluator's model tried the running product; only findings replayed on fresh starts count (each is its own criterion)",
    score: 10, threshold: 10, passed: true,
    evidence: [
      { kind: "note", summary: line, ...(run.summary ? { detail: run.summary.slice(0, 20_000) } : {}) },
      ...notes,
      ...screenshots.map((s) => ({ kind: "screenshot" as const, summary: `explore/${s.name}`, artifact: s.artifact })),
    ],
    feedback: replayed.length > confirmed ? `${line}; the others are notes and do not count` : line,
  };
}

export interface AfterChecks {
  /** The evaluation's own directory: fresh copies go beside it, never inside the product. */
  dir: string;
  bytes: Uint8Array;
  msg: EvaluationRequested;
  env: Record<string, string>;
  restoreGit?: boolean;
  /** The contract's results so far. */
  results: readonly CriterionResult[];
}

/**
 * The evaluation's exploratory layer, run after the contract's checks. It needs a running app
 * (`contract.app`), and runs only when every check so far passed: a failed build is already
 * rework, and exploring it would spend the budget on what the failures already say.
 */
export async function exploreAfterChecks(deps: ExploreDeps, a: AfterChecks): Promise<CriterionResult[]> {
  const { contract, specExcerpt, explore } = a.msg.payload;
  const opts = ExploreOptions.parse(explore ?? {});
  if (!opts.enabled || !contract.app || a.results.some((r) => !r.passed)) return [];
  const source: ProductSource = {
    bytes: a.bytes, app: contract.app, env: a.env, baseDir: `${a.dir}.explore`,
    ...(contract.installCommand ? { installCommand: contract.installCommand } : {}), ...(a.restoreGit ? { restoreGit: true } : {}),
  };
  // Final acceptance's excerpt already holds every feature: an earlier one is listed once.
  const underTest = new Set(specExcerpt.features.map((f) => f.id));
  const earlierFeatures = (explore?.earlierFeatures ?? []).filter((f) => !underTest.has(f.id));
  const knownChecks = [...contract.checks, ...a.msg.payload.regression.flatMap((set) => set.checks)];
  const brief: ExploreBrief = { product: { title: specExcerpt.title, overview: specExcerpt.overview }, features: specExcerpt.features, earlierFeatures, checks: a.results, knownChecks, productTexts: await productTexts(a.dir) };
  return exploreProduct(deps, source, brief, opts);
}
