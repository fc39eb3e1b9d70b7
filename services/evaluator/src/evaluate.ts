import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Bus } from "@harness/bus";
import type { CommandCheck, CriterionResult, EvaluationRequested, ModelChoice, ModelRole, RubricCheck, SprintContract, Verdict } from "@harness/contracts";
import type { BudgetGuard, ModelClient, UsageRecord } from "@harness/model";
import { releaseWorkspace, restore, runCommand } from "@harness/workspace";
import { runAppChecks } from "./app-checks.js";
import { runCommandCheck } from "./checks/command.js";
import { outputEvidence } from "./checks/output.js";
import { gradeRubric } from "./checks/rubric.js";
import { ArtifactMissingError, EvaluationInterruptedError } from "./errors.js";
import { throwIfStopping } from "./interrupt.js";
import { runRegression } from "./regression.js";
import { exploreAfterChecks } from "./explore/index.js";
import { coverAll, setupFailure, verdictOf } from "./results.js";

export interface EvaluateDeps {
  bus: Pick<Bus, "artifacts">;
  model: ModelClient;
  name: string;
  workdir: string;
  chromium: string;
  judgeSystem: string;
  /** Restore the snapshot's `.git` too, for checks that read the history (EVALUATOR_RESTORE_GIT). */
  restoreGit?: boolean;
}

export interface EvaluateOptions {
  budget?: BudgetGuard;
  onUsage?: (u: UsageRecord) => Promise<void>;
  models?: Partial<Record<ModelRole, ModelChoice>>;
  /** Called between checks so the work message's ack timer is reset during long evaluations. */
  working?: () => void;
  /**
   * Aborted when the evaluator stops: the check under way is cut short and the evaluation
   * throws EvaluationInterruptedError instead of returning a verdict spoiled by the stop.
   */
  signal?: AbortSignal;
}

const INSTALL_TIMEOUT_MS = 10 * 60_000;

async function install(dir: string, contract: SprintContract, env: Record<string, string>, signal: AbortSignal | undefined): Promise<CriterionResult | undefined> {
  const command = contract.installCommand ?? contract.app?.installCommand;
  if (!command) return undefined;
  const r = await runCommand(dir, command, { timeoutMs: INSTALL_TIMEOUT_MS, env, ...(signal ? { signal } : {}) });
  throwIfStopping(signal);
  if (r.exitCode === 0) return undefined;
  return setupFailure("install", `install: ${command}`, `the install command failed with exit ${r.exitCode ?? r.signal}${r.timedOut ? " (timed out)" : ""}`, [outputEvidence("install output", r.stdout, r.stderr)]);
}

/**
 * Checks an artifact against its contract on the evaluator's own fresh copy: install, command
 * checks, then the app started for http, browser and data checks (in contract order), then
 * exploratory QA (explore/), then the rubric judge. The verdict's
 * `passed` is computed by code (results.ts); no model opinion can flip it, and a check that
 * never ran counts as failed.
 */
export async function evaluate(deps: EvaluateDeps, msg: EvaluationRequested, opts: EvaluateOptions = {}): Promise<Verdict> {
  const dir = await evaluationDir(deps, msg);
  try {
    return await evaluateIn(dir, deps, msg, opts);
  } finally {
    releaseWorkspace(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/** A new empty directory for one evaluation's copy of the artifact; the caller removes it. */
export async function evaluationDir(deps: Pick<EvaluateDeps, "workdir">, msg: EvaluationRequested): Promise<string> {
  const dir = join(deps.workdir, msg.runId, `s${msg.sprint}-a${msg.attempt}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** evaluate() in a directory the caller made and removes, so it can publish the verdict first. */
export async function evaluateIn(dir: string, deps: EvaluateDeps, msg: EvaluationRequested, opts: EvaluateOptions = {}): Promise<Verdict> {
  const { contract, artifact } = msg.payload;
  const working = opts.working ?? (() => undefined);
  const results: CriterionResult[] = [];
  let opinion: string | undefined;
  const bytes = await deps.bus.artifacts.get(artifact.name);
  if (!bytes) throw new ArtifactMissingError(artifact.name);
  // The product without its history unless asked: a sprint's commit adds loose objects to every
  // later snapshot, and checks judge what was built, not how it was committed.
  const { files } = await restore(bytes, dir, { skipGit: deps.restoreGit !== true });
  // Git in a check stops at the evaluation's own directory: without a .git there it must not
  // find a repository the work directory happens to sit in.
  const env: Record<string, string> = { CI: "true", GIT_CEILING_DIRECTORIES: dirname(dir) };
  const signal = opts.signal;
  const installFailure = await install(dir, contract, env, signal);
  if (installFailure) return verdictOf(deps.name, coverAll(contract.checks, [installFailure], "the install command failed"), undefined);
  working();

  for (const check of contract.checks.filter((c): c is CommandCheck => c.kind === "command")) {
    results.push(await runCommandCheck(dir, check, env, signal).catch((err: unknown) => {
      // The command could not even be spawned: the machine's doing, not the product's.
      throw new EvaluationInterruptedError(`the command of check ${check.id} could not be run: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }));
    throwIfStopping(signal);
    working();
  }
  results.push(...await runAppChecks({ artifacts: deps.bus.artifacts, chromium: deps.chromium }, dir, contract, env, working, signal));
  throwIfStopping(signal);
  // Earlier sprints' accepted checks, each set on its own fresh copy and app start (regression.ts).
  results.push(...await runRegression({ artifacts: deps.bus.artifacts, chromium: deps.chromium, restoreGit: deps.restoreGit === true }, dir, msg, env, working, signal));
  throwIfStopping(signal);
  results.push(...await exploreAfterChecks({ ...opts, model: deps.model, chromium: deps.chromium, artifacts: deps.bus.artifacts }, { dir, bytes, msg, env, results, ...(deps.restoreGit ? { restoreGit: true } : {}) }));
  throwIfStopping(signal);

  const rubric = contract.checks.filter((c): c is RubricCheck => c.kind === "rubric");
  if (rubric.length > 0) {
    const screenshots: Array<{ name: string; png: Uint8Array }> = [];
    for (const e of results.flatMap((r) => r.evidence).filter((x) => x.kind === "screenshot" && x.artifact).slice(0, 4)) {
      const png = await deps.bus.artifacts.get(e.artifact!.name);
      if (png) screenshots.push({ name: e.summary, png });
    }
    const graded = await gradeRubric({
      dir, files, contract, criteria: rubric, otherResults: results, system: deps.judgeSystem, model: deps.model, screenshots,
      ...(opts.budget ? { budget: opts.budget } : {}), ...(opts.models ? { models: opts.models } : {}), ...(opts.onUsage ? { onUsage: opts.onUsage } : {}),
    });
    results.push(...graded.results);
    opinion = graded.opinion;
    throwIfStopping(signal);
  }
  return verdictOf(deps.name, coverAll(contract.checks, results, "the evaluator produced no result for it"), opinion);
}
