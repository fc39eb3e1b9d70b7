/**
 * Prints bench/results/latest.json as the markdown table docs/performance.md shows:
 * `pnpm exec tsx bench/report.ts`. One row per target, then every figure of each benchmark.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./types.js";

interface Entry extends BenchResult { startedAt?: string; seconds?: number; load1m?: number[]; fileCreateMs?: number; settings?: Record<string, string> }

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results", "latest.json");

function figures(r: Entry): string {
  const measured = Object.entries(r.figures)
    .map(([k, v]) => `\`${k}\` ${v}${r.baseline[k] !== undefined ? ` (baseline ${r.baseline[k]})` : ""}`);
  const baselineOnly = Object.entries(r.baseline).filter(([k]) => !(k in r.figures)).map(([k, v]) => `baseline \`${k}\` ${v}`);
  return [...measured, ...baselineOnly].join(", ");
}

/** Non-default settings of the run (BENCH_RUNS, profiling, TMPDIR), so a changed run says so. */
function settings(r: Entry): string {
  const s = Object.entries(r.settings ?? {}).map(([k, v]) => `${k}=${v}`);
  return s.length > 0 ? ` [${s.join(" ")}]` : "";
}

function main(): void {
  if (!existsSync(RESULTS)) {
    console.error(`no results yet (${RESULTS}): run \`pnpm bench\` first`);
    process.exit(1);
  }
  const all = JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, Entry>;
  const rows = ["| benchmark | target | met | ratios |", "| --- | --- | --- | --- |"];
  const details: string[] = [];
  for (const [name, r] of Object.entries(all)) {
    const ratios = Object.entries(r.ratios).map(([k, v]) => `${k} ${v}x`).join(", ") || "-";
    Object.values(r.targets).forEach((t, i) => {
      rows.push(`| ${i === 0 ? `${name}${settings(r)}` : ""} | ${t.target} | ${t.met ? "yes" : "**no**"} | ${i === 0 ? ratios : ""} |`);
    });
    const run = `${r.startedAt?.slice(0, 16).replace("T", " ") ?? "?"} UTC, ${r.seconds ?? "?"} s, 1-minute load ${r.load1m?.join(" -> ") ?? "?"}${r.fileCreateMs !== undefined ? `, file create ${r.fileCreateMs} ms` : ""}`;
    details.push(`- **${name}**${settings(r)} (${run}): ${figures(r)}`);
  }
  console.log([...rows, "", ...details].join("\n"));
}

main();
