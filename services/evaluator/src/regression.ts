import { mkdir, rm } from "node:fs/promises";
import type { ArtifactStore } from "@harness/bus";
import type { CommandCheck, CriterionResult, EvaluationRequested, RegressionSet, SprintContract } from "@harness/contracts";
import { releaseWorkspace, restore, runCommand } from "@harness/workspace";
import { runAppChecks } from "./app-checks.js";
import { runCommandCheck } from "./checks/command.js";
import { outputEvidence } from "./checks/output.js";
import { ArtifactMissingError, EvaluationInterruptedError } from "./errors.js";
import { throwIfStopping } from "./interrupt.js";
import { coverAll, setupFailure } from "./results.js";

export interface RegressionDeps {
  artifacts: Pick<ArtifactStore, "get" | "put">;
  chromium: string;
  restoreGit?: boolean;
}

const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** A regression result's id in a verdict: unique beside the contract's own check ids. */
export function regressionId(sprint: number, checkId: string): string {
  return `s${sprint}:${checkId}`;
}

/**
 * Re-runs earlier accepted sprints' checks against the build under evaluation. Each sprint's set
 * gets a fresh copy of the artifact and a fresh start of the app, so its checks meet the data
 * they met when that sprint was accepted, not what this sprint's checks just stored. The app is
 * started as the contract under evaluation says (it describes the build as it is now), else as
 * the earlier sprint's did. Every check comes back with a result of kind "regression" naming its
 * origin; one that could not run fails.
 */
export async function runRegression(deps: RegressionDeps, dir: string, msg: EvaluationRequested, env: Record<string, string>, working: () => void, signal?: AbortSignal): Promise<CriterionResult[]> {
  const { regression, contract, artifact } = msg.payload;
  if (regression.length === 0) return [];
  const bytes = await deps.artifacts.get(artifact.name);
  if (!bytes) throw new ArtifactMissingError(artifact.name);
  const results: CriterionResult[] = [];
  for (const set of regression) {
    const copy = `${dir}.s${set.sprint}`;
    try {
      await mkdir(copy, { recursive: true });
      await restore(bytes, copy, { skipGit: deps.restoreGit !== true });
      results.push(...await runSet(deps, copy, contract, set, env, working, signal));
    } finally {
      releaseWorkspace(copy);
      await rm(copy, { recursive: true, force: true });
    }
    throwIfStopping(signal);
    working();
  }
  return results;
}

async function runSet(deps: RegressionDeps, dir: string, current: SprintContract, set: RegressionSet, env: Record<string, string>, working: () => void, signal: AbortSignal | undefined): Promise<CriterionResult[]> {
  const install = current.installCommand ?? current.app?.installCommand ?? set.installCommand;
  const raw: CriterionResult[] = [];
  if (install) {
    const r = await runCommand(dir, install, { timeoutMs: INSTALL_TIMEOUT_MS, env, ...(signal ? { signal } : {}) });
    throwIfStopping(signal);
    if (r.exitCode !== 0) {
      raw.push(setupFailure("install", `install: ${install}`, `the install command failed with exit ${r.exitCode ?? r.signal}${r.timedOut ? " (timed out)" : ""}`, [outputEvidence("install output", r.stdout, r.stderr)]));
      return coverAll(set.checks, raw, "the install command failed").map((c) => asRegression(set, c));
    }
    working();
  }
  for (const check of set.checks.filter((c): c is CommandCheck => c.kind === "command")) {
    raw.push(await runCommandCheck(dir, check, env, signal).catch((err: unknown) => {
      // The command could not even be spawned: the machine's doing, not the product's (as in evaluate.ts).
      throw new EvaluationInterruptedError(`the command of check ${check.id} could not be run: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }));
    throwIfStopping(signal);
    working();
  }
  const app = current.app ?? set.app;
  // The checks as a contract of their own, started the way the build under evaluation starts.
  const asContract: SprintContract = { ...current, checks: set.checks, ...(app ? { app } : {}) };
  raw.push(...await runAppChecks({ artifacts: deps.artifacts, chromium: deps.chromium }, dir, asContract, env, working, signal));
  throwIfStopping(signal);
  return coverAll(set.checks, raw, "the evaluator produced no result for it").map((c) => asRegression(set, c));
}

/** A result as a regression: its id and description name the sprint and check it came from. */
function asRegression(set: RegressionSet, r: CriterionResult): CriterionResult {
  const check = set.checks.find((c) => c.id === r.checkId);
  const from = `sprint ${set.sprint}'s accepted check ${r.checkId}`;
  return {
    ...r,
    checkId: regressionId(set.sprint, r.checkId),
    kind: r.kind === "setup" ? "setup" : "regression",
    description: cut(`regression (${from}): ${r.description}`, 1_000),
    feedback: r.passed ? r.feedback : cut(`${from} passed when that sprint was accepted and fails on this build: ${r.feedback}`, 10_000),
    ...(r.kind !== "setup" ? { origin: { sprint: set.sprint, checkId: r.checkId } } : {}),
    ...(check?.criterionIds ? { criterionIds: check.criterionIds } : {}),
  };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 12)} [... cut]`;
}
