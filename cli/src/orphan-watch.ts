import { readFileSync } from "node:fs";

/** The parent of `pid` from /proc; undefined where there is no /proc or the process is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * Calls `onOrphaned` once this process's launcher chain is broken: its parent or its parent's
 * parent was re-parented. `pnpm harness up` runs as pnpm -> tsx -> this process; killing pnpm
 * passes no signal on, tsx stays up, and only the tsx process's new parent tells. Linux only.
 */
export function onOrphaned(onOrphaned: () => void, everyMs = 1_000): () => void {
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const timer = setInterval(() => {
    if (process.ppid !== parent || (grandparent !== undefined && parentOf(parent) !== grandparent)) {
      clearInterval(timer);
      onOrphaned();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
