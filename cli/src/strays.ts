import { readdirSync, readlinkSync, realpathSync } from "node:fs";
import { procState } from "@harness/workspace";

/**
 * Processes still working in the stack's workspaces once its services are gone: apps an
 * evaluator started or commands a build ran, in process groups of their own (no terminal),
 * left behind when a service was killed rather than drained (its exit hook never ran). Found by
 * their working directory (Linux /proc; elsewhere nothing is found); killed so they stop holding
 * ports. A process with a terminal is a person's (a shell cd'ed into a workspace) and is left
 * alone. Returns how many were killed.
 */
export function killStrays(workRoot: string): number {
  let root: string;
  let pids: string[];
  try {
    // The kernel reports resolved paths: a symlinked TMPDIR must be resolved to match.
    root = realpathSync(workRoot);
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  } catch {
    return 0;
  }
  let killed = 0;
  for (const pid of pids) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, "");
      if (cwd !== root && !cwd.startsWith(`${root}/`)) continue;
      if ((procState(Number(pid))?.tty ?? 1) !== 0) continue;
      process.kill(Number(pid), "SIGKILL");
      killed++;
    } catch {
      // Gone already, or not ours to read or signal.
    }
  }
  return killed;
}
