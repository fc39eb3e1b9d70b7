import type { Check, CriterionResult, ExploreOptions, Feature, ModelChoice, ModelRole } from "@harness/contracts";
import { runToolLoop, type BudgetGuard, type ModelClient, type UsageRecord } from "@harness/model";
import { ExploreBudgetReachedError } from "../errors.js";
import { throwIfStopping } from "../interrupt.js";
import { loadPrompt } from "../prompts.js";
import type { Finding } from "./guard.js";
import type { ExploreSession } from "./session.js";
import { exploreTools } from "./tools.js";

export interface ExplorerModel {
  model: ModelClient;
  budget?: BudgetGuard;
  onUsage?: (u: UsageRecord) => Promise<void>;
  models?: Partial<Record<ModelRole, ModelChoice>>;
  working?: () => void;
  /** The evaluator is stopping: exploration ends at once and the evaluation is redone, never judged. */
  signal?: AbortSignal;
}

export interface ExploreBrief {
  product: { title: string; overview: string };
  /** The features under test; findings name their acceptance criteria. */
  features: readonly Feature[];
  /** Features earlier sprints delivered: still promised, so still tried. */
  earlierFeatures: readonly Feature[];
  /** What the contract's checks already proved, so the explorer looks elsewhere. */
  checks?: readonly CriterionResult[];
  /** The contract's and earlier sprints' accepted checks: routes and texts a reproduction may use (knowledge.ts). */
  knownChecks?: readonly Check[];
  /** The product's own source files as text (sources.ts): what its code can show. */
  productTexts?: readonly string[];
}

export interface ExploreRun { findings: Finding[]; turns: number; tokens: number; seconds: number; stoppedBy: string; summary: string }

let system: Promise<string> | undefined;

function featureText(features: readonly Feature[]): string {
  return features.map((f) => `- ${f.id} ${f.title}: ${f.userStory}\n${f.acceptanceCriteria.map((a) => `  - ${a.id}: ${a.text}`).join("\n")}`).join("\n");
}

function prompt(brief: ExploreBrief, opts: ExploreOptions): string {
  return [
    `## Product\n${brief.product.title}: ${brief.product.overview}`,
    `## Features under test (this sprint)\n${featureText(brief.features)}`,
    ...(brief.earlierFeatures.length > 0 ? [`## Features delivered earlier (must still work)\n${featureText(brief.earlierFeatures)}`] : []),
    ...(brief.checks && brief.checks.length > 0 ? [`## The contract's checks (already run)\n${brief.checks.map((c) => `- ${c.checkId} ${c.passed ? "passed" : "FAILED"}: ${c.description}`).join("\n")}`] : []),
    `## Your budget\nAt most ${opts.maxTurns} turns and ${opts.maxSeconds} s; at most ${opts.maxFindings} findings. The product is running on its own fresh copy; start with goto "/" or an http_request.`,
  ].join("\n\n");
}

/**
 * The explorer's tool loop, within the run's exploration budget: turns (the loop's own limit),
 * tokens and seconds (checked before every turn, so a call in flight is never cut off and every
 * answered call is charged). Running out of budget ends exploration; what was reported counts.
 */
export async function runExplorer(m: ExplorerModel, session: ExploreSession, brief: ExploreBrief, opts: ExploreOptions): Promise<ExploreRun> {
  const started = Date.now();
  const deadline = started + opts.maxSeconds * 1_000;
  const findings: Finding[] = [];
  let tokens = 0;
  let turns = 0;
  const tools = exploreTools({ session, features: [...brief.features, ...brief.earlierFeatures], maxFindings: opts.maxFindings, findings });
  const outcome = { stoppedBy: "the explorer finished", summary: "" };
  try {
    const r = await runToolLoop(m.model, {
      role: "evaluator", system: await (system ??= loadPrompt("explore")), prompt: prompt(brief, opts), tools, maxTurns: opts.maxTurns,
      ...(m.budget ? { budget: m.budget } : {}), ...(m.models ? { models: m.models } : {}),
      onUsage: async (u) => {
        tokens += u.usage.inputTokens + u.usage.outputTokens + u.usage.cacheReadInputTokens + u.usage.cacheCreationInputTokens;
        await m.onUsage?.(u);
      },
      onTurn: (turn) => {
        throwIfStopping(m.signal);
        m.working?.();
        if (tokens >= opts.maxTokens) throw new ExploreBudgetReachedError(`${tokens} tokens used of ${opts.maxTokens}`);
        if (Date.now() >= deadline) throw new ExploreBudgetReachedError(`${opts.maxSeconds} s passed`);
        turns = turn;
      },
    });
    outcome.summary = r.text;
    if (r.stopReason === "max_turns") outcome.stoppedBy = `exploration stopped: ${opts.maxTurns} turns used`;
  } catch (err) {
    if (!(err instanceof ExploreBudgetReachedError)) throw err;
    outcome.stoppedBy = err.message;
  }
  return { findings, turns, tokens, seconds: Math.round((Date.now() - started) / 1_000), ...outcome };
}
