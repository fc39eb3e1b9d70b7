import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { calibrateCommand } from "../cli/src/commands/calibrate.js";
import { BENCH_API_TOKEN, startBenchStack } from "./stack.js";
import type { BenchResult } from "./types.js";

const CORPORA = fileURLToPath(new URL("../corpora", import.meta.url));

/** The variants judged (`app/variant`, comma-separated); the whole shipped corpus by default. */
function onlyFromEnv(): string | undefined {
  return process.env["BENCH_CALIBRATE_ONLY"] || undefined;
}

/**
 * `harness calibrate` over the shipped corpus against a stack of the supervisor and one core
 * evaluator with the scripted judge (no model calls: every criterion is a deterministic check):
 * seconds of the calibration job per variant judged, and of the whole command per variant
 * (building, snapshotting and uploading the variants included).
 */
export async function benchCalibrate(opts: { log: (line: string) => void }): Promise<BenchResult> {
  const concurrency = Number(process.env["BENCH_CALIBRATE_CONCURRENCY"] ?? 2);
  const stack = await startBenchStack({ script: [], roles: ["evaluator"], env: { EVALUATOR_CONCURRENCY: String(concurrency) } });
  try {
    const dir = mkdtempSync(join(tmpdir(), "bench-calibrate-"));
    const file = join(dir, "calibration.json");
    const t0 = performance.now();
    const only = onlyFromEnv();
    const code = await calibrateCommand(CORPORA, {
      api: stack.apiUrl, token: BENCH_API_TOKEN, concurrency, scriptedJudge: true, json: file, pollMs: 200, ...(only ? { only } : {}),
      out: (line) => { if (!line.startsWith("  ")) opts.log(line); },
    });
    const wall = (performance.now() - t0) / 1000;
    const r = (JSON.parse(readFileSync(file, "utf8")) as { report: { totals: { falsePass: number; falseFail: number; agreed: number; notJudged: number }; variants: unknown[]; seconds: number } }).report;
    rmSync(dir, { recursive: true, force: true });
    const variants = r.variants.length;
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      figures: {
        variants, criteria: r.totals.agreed + r.totals.falsePass + r.totals.falseFail + r.totals.notJudged,
        jobSecondsPerVariant: round(r.seconds / variants), commandSecondsPerVariant: round(wall / variants), jobSeconds: round(r.seconds),
        falsePasses: r.totals.falsePass, falseFails: r.totals.falseFail, exitCode: code,
      },
      baseline: {}, ratios: {},
      targets: { "labels agreed": { target: "0 false passes, 0 false fails", met: r.totals.falsePass === 0 && r.totals.falseFail === 0 && code === 0 } },
      params: { concurrency, evaluators: "core", judge: "scripted", ...(only ? { only } : {}) },
    };
  } finally {
    await stack.stop();
  }
}
