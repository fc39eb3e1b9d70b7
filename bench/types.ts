/** What every benchmark module returns; run.ts prints it and writes it to results/latest.json. */
export interface BenchResult {
  /** Figures of the thing measured (e.g. the bus). */
  figures: Record<string, number>;
  /** The same figures for the raw baseline, measured in the same run against the same server. */
  baseline: Record<string, number>;
  /** figure / baseline for the figures that have targets or are worth comparing. */
  ratios: Record<string, number>;
  targets: Record<string, { target: string; met: boolean }>;
  params: Record<string, number | string>;
}

export interface BenchContext {
  natsUrl: string;
  log(line: string): void;
}

export interface Benchmark {
  name: string;
  description: string;
  /** Environment variables besides the common ones that change what it measures (e.g. BENCH_RUNS). */
  settings?: readonly string[];
  run(ctx: BenchContext): Promise<BenchResult>;
}
