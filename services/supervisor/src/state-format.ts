import { RUN_STATE_FORMAT, RunStateFormat } from "@harness/contracts";

/**
 * A stored state's format when it is newer than this supervisor's, else undefined. Read before
 * the full parse: a newer format may hold values this version's schema refuses, and a state this
 * version cannot read in full is one it must neither rewrite nor show as if it had.
 */
export function newerFormat(raw: unknown): number | undefined {
  const read = RunStateFormat.safeParse(raw);
  return read.success && read.data.format > RUN_STATE_FORMAT ? read.data.format : undefined;
}
