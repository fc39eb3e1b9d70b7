import { readFileSync } from "node:fs";

/*
 * Per-process figures from /proc (Linux only). The launcher runs `node` on the service's bundle,
 * so the launched pid is the service; were it a `tsx` wrapper instead, the service is its child.
 */

const TICKS_PER_SEC = 100;

export function servicePid(launchedPid: number): number {
  const wrapper = read(`/proc/${launchedPid}/cmdline`).includes("tsx/dist/cli");
  return (wrapper ? children(launchedPid)[0] : undefined) ?? launchedPid;
}

/** VmHWM, the peak resident set since the process started, in MB. */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** CPU seconds of the process itself and of its children that have exited (git, checks...). */
export function cpuSeconds(pid: number): { self: number; children: number } {
  const stat = read(`/proc/${pid}/stat`);
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const at = (i: number): number => fields[i - 3] ?? 0;
  return { self: (at(14) + at(15)) / TICKS_PER_SEC, children: (at(16) + at(17)) / TICKS_PER_SEC };
}

function children(pid: number): number[] {
  return read(`/proc/${pid}/task/${pid}/children`).split(/\s+/).filter(Boolean).map(Number);
}

function read(path: string): string {
  try { return readFileSync(path, "utf8"); } catch { return ""; }
}
