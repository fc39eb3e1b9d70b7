import type { Bus } from "@harness/bus";
import { RUN_STATE_FORMAT, RunState, TERMINAL_STATUSES, type RunStatus } from "@harness/contracts";
import type { RunSummary } from "./api-schemas.js";
import { withArchivedSprints } from "./archive.js";
import { errors } from "./errors.js";
import { newerFormat } from "./state-format.js";
import { runSummary } from "./views.js";

export function isTerminalStatus(status: RunStatus): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export async function loadRun(bus: Bus, id: string): Promise<RunState> {
  const entry = await bus.runs.get(id);
  if (!entry) throw new errors.RunNotFound(id);
  const newer = newerFormat(entry.value);
  if (newer !== undefined) throw new errors.NewerStateFormat(id, newer, RUN_STATE_FORMAT);
  return RunState.parse(entry.value);
}

/** The run with its finished sprints' full records (see archive.ts), for readers that show or search them. */
export async function loadFullRun(bus: Bus, id: string): Promise<RunState> {
  return withArchivedSprints(bus, await loadRun(bus, id), bus.logger);
}

/**
 * Visits every run in the bucket (but those of a newer state format, which this version cannot
 * read in full: during a rolling update the newer replicas list them), one at a time, so a
 * caller keeps only what it needs (a summary, a count) and memory does not grow with every run's
 * full state. A full scan: fine for the
 * thousands of runs one deployment holds; an index would be the next step past that.
 */
export async function scanRuns(bus: Bus, visit: (s: RunState) => void): Promise<void> {
  for (const key of await bus.runs.keys()) {
    const entry = await bus.runs.get(key);
    const parsed = entry ? RunState.safeParse(entry.value) : undefined;
    if (parsed?.success) visit(parsed.data);
  }
}

/** Summaries of the runs `filter` keeps, newest first. */
export async function listRunSummaries(bus: Bus, filter: (s: RunState) => boolean = () => true): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  await scanRuns(bus, (s) => { if (filter(s)) out.push(runSummary(s)); });
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}
