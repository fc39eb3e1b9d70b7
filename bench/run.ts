/**
 * Runs the benchmarks against a private nats-server, prints a table and writes
 * bench/results/latest.json (one key per benchmark). `pnpm bench [name ...]` runs a subset and
 * keeps the other entries of latest.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCHMARKS } from "./benchmarks.js";
import { isStopping, onStopSignal, startTrackedNats, stopAllStacks } from "./stack.js";
import type { Benchmark, BenchResult } from "./types.js";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(BENCH_DIR, "results", "latest.json");

/**
 * Milliseconds to create one small file in a fresh directory under the OS temp directory, where
 * the stacks keep their files. On the machine these figures come from it has ranged from 0.02
 * to 0.7 ms, by directory and by the minute, and every workspace, restore and commit pays it:
 * kept beside the figures like the load.
 */
function fileCreateMs(count = 200): number {
  const dir = mkdtempSync(join(tmpdir(), "harness-bench-fs-"));
  try {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) writeFileSync(join(dir, `f${i}`), "ok\n", { flag: "wx" });
    return Math.round(((performance.now() - t0) / count) * 1000) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(name: string, r: BenchResult): string {
  const rows = Object.keys(r.figures).map((k) => [k, String(r.figures[k]), String(r.baseline[k] ?? "")]);
  // Baseline figures with no measured counterpart (e.g. each raw series behind a mean).
  for (const [k, v] of Object.entries(r.baseline)) if (!(k in r.figures)) rows.push([k, "", String(v)]);
  const ratioRows = Object.entries(r.ratios).map(([k, v]) => [`ratio ${k}`, `${v}x`, ""]);
  const targetRows = Object.entries(r.targets).map(([k, t]) => [`target ${k}`, t.met ? "met" : "MISSED", t.target]);
  const all = [["figure", "measured", "baseline / target"], ...rows, ...ratioRows, ...targetRows];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]): string => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [`== ${name}`, line(all[0] ?? []), ...all.slice(1).map(line)].join("\n");
}

/** Environment that changes what every benchmark measures; a benchmark names any others it reads. */
const COMMON_SETTINGS = ["BENCH_NODE_ARGS", "BENCH_LOG_LEVEL", "TMPDIR"] as const;

function benchSettings(names: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(names.flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
}

function writeResults(out: Record<string, unknown>): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  // In the order `pnpm bench` runs them, whatever order earlier partial runs left.
  const ordered = Object.fromEntries([
    ...BENCHMARKS.filter((b) => b.name in out).map((b) => [b.name, out[b.name]] as const),
    ...Object.entries(out).filter(([k]) => !BENCHMARKS.some((b) => b.name === k)),
  ]);
  writeFileSync(RESULTS, `${JSON.stringify(ordered, null, 2)}\n`);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
  if (unknown.length > 0) {
    console.error(`no benchmark named ${unknown.join(", ")}; have ${BENCHMARKS.map((b) => b.name).join(", ")}`);
    process.exit(2);
  }
  // In the order asked for.
  const selected = wanted.length ? wanted.map((w) => BENCHMARKS.find((b) => b.name === w) as Benchmark) : BENCHMARKS;
  const previous: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, unknown> : {};
  // Ctrl-C or a kill stops the stacks (services, nats-servers) and removes their files.
  onStopSignal(stopAllStacks);
  // Tracked until the end: a signal stops it with the stacks.
  const server = await startTrackedNats().server;
  const natsUrl = server.url;
  const out: Record<string, unknown> = { ...previous };
  try {
    for (const b of selected) {
      console.log(`running ${b.name}: ${b.description}`);
      const startedAt = new Date().toISOString();
      // Other work on the machine moves every figure here: the 1-minute load is kept beside them.
      const loadBefore = loadavg()[0] ?? 0;
      const fsCreate = fileCreateMs();
      const t0 = performance.now();
      const result = await b.run({ natsUrl, log: (l) => console.log(`  ${l}`) });
      const seconds = Math.round((performance.now() - t0) / 1000);
      const load = [loadBefore, loadavg()[0] ?? 0].map((l) => Math.round(l * 100) / 100);
      const settings = benchSettings([...COMMON_SETTINGS, ...(b.settings ?? [])]);
      out[b.name] = { ...result, startedAt, seconds, load1m: load, fileCreateMs: fsCreate, node: process.version, settings };
      console.log(table(`${b.name} (${seconds} s, load ${load.join(" -> ")}, file create ${fsCreate} ms)`, result));
      // Written after each one, so a later failure keeps what finished.
      writeResults(out);
    }
  } finally {
    await server.cleanup();
  }
  console.log(`wrote ${RESULTS}`);
}

main().catch((err: unknown) => {
  // A stop signal makes the running benchmark fail (its services are gone); the signal's
  // handler reports it and exits once the clean-up is done.
  if (isStopping()) return;
  console.error(err);
  process.exit(1);
});
