import { mkdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Bus } from "@harness/bus";
import type { BrowserCheck, CriterionResult, Evidence, EvaluationRequested, RubricCheck, Verdict } from "@harness/contracts";
import type { BudgetGuard, ModelClient, UsageRecord } from "@harness/model";
import { restore, runCommand, ServerRegistry } from "@harness/workspace";
import { launchBrowser, runBrowserCheck } from "./checks/browser.js";
import { runCommandCheck } from "./checks/command.js";
import { runHttpCheck } from "./checks/http.js";
import { outputEvidence } from "./checks/output.js";
import { gradeRubric } from "./checks/rubric.js";

export interface EvaluateDeps {
  bus: Pick<Bus, "artifacts">;
  model: ModelClient;
  name: string;
  workdir: string;
  chromium: string;
  judgeSystem: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

function setupFailure(id: string, description: string, feedback: string, evidence: Evidence[]): CriterionResult {
  return { checkId: id, kind: "setup", description, score: 0, threshold: 10, passed: false, evidence, feedback };
}

/**
 * Checks an artifact against its contract on the evaluator's own fresh copy. The verdict's
 * `passed` is computed here: every criterion passed. No model opinion can flip it.
 */
export async function evaluate(deps: EvaluateDeps, msg: EvaluationRequested, opts: { budget?: BudgetGuard; onUsage?: (u: UsageRecord) => Promise<void>; working?: () => void }): Promise<Verdict> {
  const { contract, artifact } = msg.payload;
  const dir = join(deps.workdir, msg.runId, `s${msg.sprint}-a${msg.attempt}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const results: CriterionResult[] = [];
  const servers = new ServerRegistry();
  let opinion: string | undefined;
  try {
    const bytes = await deps.bus.artifacts.get(artifact.name);
    if (!bytes) throw new Error(`artifact ${artifact.name} is missing from the object store`);
    const { files } = await restore(bytes, dir);
    const env: Record<string, string> = { CI: "true" };
    const install = contract.installCommand ?? contract.app?.installCommand;
    if (install) {
      const r = await runCommand(dir, install, { timeoutMs: 10 * 60_000, env });
      if (r.exitCode !== 0) {
        results.push(setupFailure("install", `install: ${install}`, `the install command failed with exit ${r.exitCode ?? r.signal}`, [outputEvidence("install output", r.stdout, r.stderr)]));
        return verdictOf(deps.name, results, undefined);
      }
    }
    opts.working?.();
    for (const check of contract.checks) if (check.kind === "command") { results.push(await runCommandCheck(dir, check, env)); opts.working?.(); }

    const appChecks = contract.checks.filter((c) => c.kind === "http" || c.kind === "browser");
    if (appChecks.length > 0 && contract.app) {
      const port = await freePort();
      let started = false;
      try {
        await servers.start(dir, contract.app.startCommand, { port, readinessPath: contract.app.readinessPath, timeoutMs: contract.app.readinessTimeoutMs, env: { ...env, PORT: String(port) } });
        started = true;
      } catch (err) {
        results.push(setupFailure("app-start", `start: ${contract.app.startCommand}`, `the app did not become ready on port ${port}${contract.app.readinessPath}: ${err instanceof Error ? err.message : String(err)}`, [{ kind: "output", summary: "start output", detail: err instanceof Error ? err.message.slice(-4_000) : "" }]));
      }
      if (started) {
        const baseUrl = `http://127.0.0.1:${port}`;
        for (const check of appChecks) if (check.kind === "http") results.push(await runHttpCheck(baseUrl, check));
        const browserChecks = appChecks.filter((c): c is BrowserCheck => c.kind === "browser");
        if (browserChecks.length > 0) {
          const browser = await launchBrowser(deps.chromium);
          try {
            for (const check of browserChecks) {
              const { result, screenshots } = await runBrowserCheck(browser, baseUrl, check);
              for (const shot of screenshots) {
                if (shot.png.length === 0) continue;
                result.evidence.push({ kind: "screenshot", summary: shot.name, artifact: await deps.bus.artifacts.put(shot.png) });
              }
              results.push(result);
              opts.working?.();
            }
          } finally { await browser.close(); }
        }
      }
    }
    const rubric = contract.checks.filter((c): c is RubricCheck => c.kind === "rubric");
    if (rubric.length > 0) {
      const graded = await gradeRubric({ dir, files, contract, criteria: rubric, otherResults: results, system: deps.judgeSystem, model: deps.model, ...opts });
      results.push(...graded.results);
      opinion = graded.opinion;
    }
    return verdictOf(deps.name, results, opinion);
  } finally {
    await servers.stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

export function verdictOf(evaluator: string, criteria: CriterionResult[], judgeOpinion: string | undefined): Verdict {
  const failed = criteria.filter((c) => !c.passed);
  const passed = criteria.length > 0 && failed.length === 0;
  const summary = criteria.length === 0 ? "no checks ran" : passed ? `all ${criteria.length} criteria passed` : `${failed.length} of ${criteria.length} criteria failed: ${failed.map((c) => c.checkId).join(", ")}`;
  return { evaluator, passed, criteria, summary, ...(judgeOpinion ? { judgeOpinion } : {}) };
}

export async function loadPrompt(name: string): Promise<string> {
  return readFile(new URL(`../prompts/${name}.md`, import.meta.url), "utf8");
}
