import type { Bus } from "@harness/bus";
import { RunState, TERMINAL_STATUSES, type RunStatus } from "@harness/contracts";
import { errors } from "./errors.js";

export function isTerminalStatus(status: RunStatus): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export async function loadRun(bus: Bus, id: string): Promise<RunState> {
  const entry = await bus.runs.get(id);
  if (!entry) throw new errors.RunNotFound(id);
  return RunState.parse(entry.value);
}

/**
 * Every run in the bucket, newest first. A full scan: fine for the hundreds of runs one
 * deployment holds; an index would be the next step past that.
 */
export async function listRuns(bus: Bus, filter: (s: RunState) => boolean = () => true): Promise<RunState[]> {
  const out: RunState[] = [];
  for (const key of await bus.runs.keys()) {
    const entry = await bus.runs.get(key);
    const parsed = entry ? RunState.safeParse(entry.value) : undefined;
    if (parsed?.success && filter(parsed.data)) out.push(parsed.data);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}
