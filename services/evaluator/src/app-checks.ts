import type { ArtifactStore } from "@harness/bus";
import type { BrowserCheck, CriterionResult, DataCheck, HttpCheck, SprintContract } from "@harness/contracts";
import { ServerRegistry } from "@harness/workspace";
import { createServer } from "node:net";
import { BrowserSession } from "./browser-session.js";
import { runBrowserCheck } from "./checks/browser.js";
import { runDataCheck } from "./checks/data.js";
import { runHttpCheck } from "./checks/http.js";
import { tail } from "./checks/output.js";
import { EvaluationInterruptedError } from "./errors.js";
import { isMachineFailure, machineErrorCode, throwIfStopping } from "./interrupt.js";
import { notRun, setupFailure } from "./results.js";

export interface AppCheckDeps {
  artifacts: Pick<ArtifactStore, "put">;
  chromium: string;
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

type AppCheck = HttpCheck | BrowserCheck | DataCheck;

/**
 * Starts the app from the contract's start command on a free port, runs the http, browser and
 * data checks in contract order (later checks may rely on what earlier ones created; a data
 * check reads what the app stored by then), stops it. Data checks alone need no running app.
 */
export async function runAppChecks(deps: AppCheckDeps, dir: string, contract: SprintContract, env: Record<string, string>, working: () => void, signal?: AbortSignal): Promise<CriterionResult[]> {
  const checks = contract.checks.filter((c): c is AppCheck => c.kind === "http" || c.kind === "browser" || c.kind === "data");
  const live = checks.filter((c) => c.kind !== "data");
  if (live.length === 0) return runDataChecks(dir, checks, working);
  const app = contract.app;
  if (!app) {
    const data = await runDataChecks(dir, checks, working);
    return [...live.map((c) => notRun(c, "the contract has no `app` section saying how to start the app")), ...data];
  }
  const servers = new ServerRegistry();
  const port = await freePort();
  try {
    await servers.start(dir, app.startCommand, { port, readinessPath: app.readinessPath, timeoutMs: app.readinessTimeoutMs, env: { ...env, PORT: String(port) } });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const first = message.split("\n")[0] ?? message;
    throwIfStopping(signal);
    // No process slot, or another process took the free port first: not the product's doing.
    if (isMachineFailure(first) || first.includes("already in use by another process")) throw new EvaluationInterruptedError(`the app could not be started on this machine: ${first}`, { cause: err });
    return [
      setupFailure("app-start", `start: ${app.startCommand}`, `the app did not become ready on port ${port}${app.readinessPath}: ${first}`, [{ kind: "output", summary: "start output", detail: tail(message, 4_000) }]),
      ...checks.map((c) => notRun(c, "the app did not start")),
    ];
  }
  const results: CriterionResult[] = [];
  const baseUrl = `http://127.0.0.1:${port}`;
  const browser = new BrowserSession(deps.chromium, signal);
  let log: string;
  try {
    for (const check of checks) {
      throwIfStopping(signal);
      if (check.kind === "http") {
        results.push(await judged(check, () => runHttpCheck(baseUrl, check)));
      } else if (check.kind === "data") {
        results.push(await judged(check, () => runDataCheck(dir, check)));
      } else {
        // Inside run(): a lost browser is still seen (and interrupts) after the check returns.
        const { result, screenshots } = await browser.run((b) => judged(check, () => runBrowserCheck(b, baseUrl, check), (r) => ({ result: r, screenshots: [] })));
        for (const shot of screenshots) {
          if (shot.png.length === 0) continue;
          result.evidence.push({ kind: "screenshot", summary: `${check.id}/${shot.name}`, artifact: await deps.artifacts.put(shot.png) });
        }
        results.push(result);
      }
      working();
    }
    throwIfStopping(signal);
  } finally {
    await browser.close();
    log = servers.output(port) ?? "";
    await servers.stopAll();
  }
  // The app's own log often names the cause (a stack trace behind a 500): give it to failures.
  if (log.trim() !== "") {
    for (const r of results) if (!r.passed) r.evidence.push({ kind: "output", summary: "app server output (tail)", detail: tail(log, 3_000) });
  }
  return results;
}

async function runDataChecks(dir: string, checks: readonly AppCheck[], working: () => void): Promise<CriterionResult[]> {
  const results: CriterionResult[] = [];
  for (const check of checks) {
    if (check.kind !== "data") continue;
    results.push(await judged(check, () => runDataCheck(dir, check)));
    working();
  }
  return results;
}

/**
 * A runner's exception fails its check with the reason. What a check judges is the product's
 * (its answers, pages, stored files: a JSON a million levels deep throws RangeError), and the
 * same product throws the same way on every delivery: rethrown, it would be redelivered until the
 * run failed with work_failed, with no verdict and no rework. Only a stop or the machine's
 * refusal (EMFILE, ENOMEM...) interrupts.
 */
async function judged<T>(check: AppCheck, run: () => Promise<T>, wrap: (r: CriterionResult) => T = (r) => r as T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof EvaluationInterruptedError || machineErrorCode(err) !== undefined) throw err;
    const why = `the check could not be judged on what the product produced: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    return wrap({ checkId: check.id, kind: check.kind, description: check.description, score: 0, threshold: 10, passed: false, evidence: [{ kind: "note", summary: why.slice(0, 500) }], feedback: why });
  }
}
