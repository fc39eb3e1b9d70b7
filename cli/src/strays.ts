import { readdirSync, readlinkSync } from "node:fs";

/**
 * Processes still working in the stack's workspaces once its services are gone: apps an
 * evaluator started or commands a build ran, in process groups of their own, left behind when a
 * service was killed rather than drained (its exit hook never ran). Found by their working
 * directory (Linux /proc); killed so they stop holding ports. Returns how many there were.
 */
export function killStrays(workRoot: string): number {
  let killed = 0;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== workRoot && !cwd.startsWith(`${workRoot}/`)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
      killed++;
    } catch {
      // Gone already, or not ours to signal.
    }
  }
  return killed;
}
