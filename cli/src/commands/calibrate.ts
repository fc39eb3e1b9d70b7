import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { snapshot } from "@harness/workspace";
import { apiTarget, CliError, DATA_DIR, request, type ApiTarget } from "../client.js";
import { buildVariant, loadCorpus, type CorpusApp, type CorpusVariant } from "../corpus.js";
import { printCalibration, type CalibrationView } from "./calibrate-print.js";

export interface CalibrateFlags {
  api?: string; token?: string; evaluators?: string; repeat?: number; concurrency?: number; json?: string; maxFalsePass?: number;
  /** Only these variants (`app/variant` or `variant`, comma-separated). */
  only?: string; explore?: boolean; budget?: number;
  /** Rubric criteria are graded by a scripted model: report them as not judged. Default: what `harness up` says. */
  scriptedJudge?: boolean;
  pollMs?: number;
  out?: (line: string) => void;
  /** Ctrl-C (SIGINT, SIGTERM) cancels the calibration before exiting (the CLI; tests leave signals alone). */
  cancelOnSignal?: boolean;
}

/** No verdict for this long: the evaluators may not be running. Said once. */
const QUIET_MS = 120_000;

/** `--api/--token`, else the environment or the local stack (`harness up`), as every command. */
function target(flags: CalibrateFlags): ApiTarget {
  if (flags.api) return { url: flags.api.replace(/\/$/, ""), token: flags.token ?? process.env["HARNESS_API_TOKEN"] };
  const t = apiTarget();
  return flags.token ? { ...t, token: flags.token } : t;
}

/** A local stack started without an API key grades rubric criteria with its scripted model. */
function localStackScripted(): boolean {
  const file = join(DATA_DIR, "stack.json");
  if (!existsSync(file)) return false;
  try { return (JSON.parse(readFileSync(file, "utf8")) as { scripted?: boolean }).scripted === true; } catch { return false; }
}

async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  }));
  return out;
}

/**
 * `harness calibrate <corpus>`: snapshots every variant, uploads the snapshots, starts a
 * calibration job (the supervisor publishes the evaluation work, the evaluators judge it as in a
 * run), waits for it and prints the confusion table. Exit 1 when false passes exceed
 * --max-false-pass (default 0) or an evaluation was not judged; 2 for bad input.
 */
export async function calibrateCommand(corpusDir: string, flags: CalibrateFlags = {}): Promise<number> {
  const out = flags.out ?? ((line: string) => console.log(line));
  const only = flags.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const apps = loadCorpus(corpusDir, only ? (v: CorpusVariant) => only.includes(v.name) || only.includes(`${v.app}/${v.name}`) : undefined);
  if (apps.length === 0) throw new CliError(`no variant of ${corpusDir} matches --only ${flags.only}`, 2);
  const api = target(flags);
  const evaluators = (flags.evaluators ?? "core").split(",").map((s) => s.trim()).filter(Boolean);
  const concurrency = flags.concurrency ?? 4;
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), "harness-calibrate-"));
  const variants = apps.flatMap((app) => app.variants.map((v) => ({ app, v })));
  let corpora;
  try {
    const refs = await pool(variants, concurrency, async ({ app, v }: { app: CorpusApp; v: CorpusVariant }) => {
      const dir = join(work, app.name, v.name);
      await buildVariant(app, v, dir);
      const { bytes } = await snapshot(dir);
      return request<{ name: string; digest: string; size: number }>(api, "POST", "/artifacts", { base64: Buffer.from(bytes).toString("base64") });
    });
    corpora = apps.map((app) => ({
      name: app.name, specExcerpt: app.spec, contract: app.contract,
      variants: app.variants.map((v) => ({ name: v.name, artifact: refs[variants.findIndex((x) => x.v === v)]!, failing: v.failing, ...(v.contract ? { contract: v.contract } : {}) })),
    }));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const scripted = flags.scriptedJudge ?? (!flags.api && !process.env["HARNESS_API_URL"] && localStackScripted());
  const body = {
    corpora, evaluators, repeat: flags.repeat ?? 1, concurrency, rubric: scripted ? "not-judged" : "judged",
    ...(flags.explore ? { explore: { enabled: true } } : {}), ...(flags.budget ? { budget: { maxCostUsd: flags.budget } } : {}),
  };
  const { id, evaluations } = await request<{ id: string; evaluations: number }>(api, "POST", "/calibrations", body);
  out(`calibration ${id}: ${variants.length} variants x ${evaluators.join(",")} x ${body.repeat} = ${evaluations} evaluations, ${concurrency} at a time`);
  let view: CalibrationView;
  let last = -1;
  let changedAt = Date.now();
  let hinted = false;
  const stop = (): void => {
    out(`stopping: cancelling calibration ${id}`);
    void request(api, "POST", `/calibrations/${id}/cancel`, {}).catch(() => undefined).finally(() => process.exit(130));
  };
  if (flags.cancelOnSignal) { process.once("SIGINT", stop); process.once("SIGTERM", stop); }
  try {
    for (;;) {
      view = await request<CalibrationView>(api, "GET", `/calibrations/${id}`);
      const done = view.items.filter((i) => i.status !== "queued" && i.status !== "dispatched").length;
      if (done !== last) { out(`  ${done}/${view.items.length} judged (${((Date.now() - started) / 1000).toFixed(0)} s)`); last = done; changedAt = Date.now(); }
      if (view.status !== "running") break;
      if (!hinted && Date.now() - changedAt > QUIET_MS) {
        out(`  no verdict for ${QUIET_MS / 60_000} minutes: are the evaluators (${evaluators.join(", ")}) running? GET /services lists them; Ctrl-C cancels`);
        hinted = true;
      }
      await new Promise((r) => setTimeout(r, flags.pollMs ?? 1_000));
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  const report = view.report;
  printCalibration(view, out);
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ id, status: view.status, reason: view.reason, options: view.options, report, wallSeconds: (Date.now() - started) / 1000 }, null, 2));
  const failures = gateFailures(view, flags.maxFalsePass ?? 0);
  for (const line of failures) out(line);
  return failures.length > 0 ? 1 : 0;
}

/**
 * Why the calibration fails the gate, one line each; none when it passes: false passes over
 * `maxFalsePass` (each named by variant and criterion), or evaluations that got no verdict.
 */
export function gateFailures(view: CalibrationView, maxFalsePass: number): string[] {
  const r = view.report;
  const lines: string[] = [];
  if (r.falsePasses.length > maxFalsePass) {
    lines.push(`FAIL: ${r.falsePasses.length} false pass${r.falsePasses.length === 1 ? "" : "es"} (allowed ${maxFalsePass}):`);
    for (const f of r.falsePasses) lines.push(`  ${f.variant}: ${f.criterion} passed, but the label says it must fail`);
  }
  if (view.status !== "completed" || r.unjudged.length > 0) {
    lines.push(`FAIL: calibration ${view.status}${view.reason ? ` (${view.reason})` : ""}; ${r.unjudged.length} evaluation(s) not judged`);
  }
  return lines;
}
