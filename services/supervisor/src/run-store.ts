import type { Bus } from "@harness/bus";
import { RUN_STATE_FORMAT, RunState, TERMINAL_STATUSES, type RunStatus } from "@harness/contracts";
import { withArchivedSprints } from "./archive.js";
import { errors } from "./errors.js";
import { newerFormat } from "./state-format.js";

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
