/**
 * Prints bench/results/latest.json as the markdown table docs/performance.md shows:
 * `pnpm exec tsx bench/report.ts`. One row per target, then every figure of each benchmark.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./types.js";

interface Entry extends BenchResult { startedAt?: string; seconds?: number; load1m?: number[] }

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results", "latest.json");

function figures(r: Entry): string {
  return Object.entries(r.figures)
    .map(([k, v]) => `\`${k}\` ${v}${r.baseline[k] !== undefined ? ` (baseline ${r.baseline[k]})` : ""}`)
    .join(", ");
}

function main(): void {
  const all = JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, Entry>;
  const rows = ["| benchmark | target | met | ratios |", "| --- | --- | --- | --- |"];
  const details: string[] = [];
  for (const [name, r] of Object.entries(all)) {
    const ratios = Object.entries(r.ratios).map(([k, v]) => `${k} ${v}x`).join(", ") || "-";
    Object.values(r.targets).forEach((t, i) => {
      rows.push(`| ${i === 0 ? name : ""} | ${t.target} | ${t.met ? "yes" : "**no**"} | ${i === 0 ? ratios : ""} |`);
    });
    const run = `${r.startedAt?.slice(0, 16).replace("T", " ") ?? "?"} UTC, ${r.seconds ?? "?"} s, 1-minute load ${r.load1m?.join(" -> ") ?? "?"}`;
    details.push(`- **${name}** (${run}): ${figures(r)}`);
  }
  console.log([...rows, "", ...details].join("\n"));
}

main();
