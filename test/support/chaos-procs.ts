import { readdirSync, readFileSync } from "node:fs";
import type { ServiceProc } from "./stack.js";

/*
 * Services run as `tsx main.ts`: the pid the launcher holds is tsx's CLI, which runs the service
 * in a child node process. A SIGKILL to that pid orphans the service, which keeps working. A real
 * crash has to reach the whole tree, so these helpers read it from /proc.
 */

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name sits in parentheses and may hold spaces: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid`, deepest first. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const visit = (p: number): void => {
    for (const c of children.get(p) ?? []) { visit(c); out.push(c); }
  };
  visit(pid);
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function exited(sp: ServiceProc): boolean {
  return sp.proc.exitCode !== null || sp.proc.signalCode !== null;
}

/** The service's own node process: the tsx wrapper's child, else the wrapper itself. */
export function servicePid(sp: ServiceProc): number {
  const pid = sp.proc.pid ?? -1;
  const tree = descendants(pid);
  return tree.at(-1) ?? pid;
}

/** SIGKILL to the service and everything it started, as a container dying would; returns when the signals went out. */
export async function crash(sp: ServiceProc): Promise<number> {
  const root = sp.proc.pid;
  if (root === undefined || exited(sp)) return Date.now();
  const gone = new Promise<void>((resolve) => sp.proc.once("exit", () => resolve()));
  const tree = [...descendants(root), root];
  const at = Date.now();
  for (const pid of tree) {
    try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
  }
  await gone;
  return at;
}

/** Resident set size in bytes, from /proc (0 once the process is gone). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
