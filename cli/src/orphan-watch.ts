import { readFileSync } from "node:fs";
import { procState as stat } from "@harness/workspace";

function isPnpm(pid: number): boolean {
  try {
    return /(^|[/\0])pnpm(\.c?js)?\0/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * This process's ancestors up to the pnpm that launched it (`pnpm harness up` runs pnpm -> sh ->
 * this process, `node --import tsx`): empty when no pnpm is found within a few levels (started by hand, by
 * nohup, by a service manager), or where there is no /proc.
 */
export function launcherChain(): number[] {
  const chain: number[] = [];
  for (let pid = process.ppid; pid > 1 && chain.length < 6; pid = stat(pid)?.ppid ?? 0) {
    chain.push(pid);
    if (isPnpm(pid)) return chain;
  }
  return [];
}

/**
 * Resolves once the launcher chain is broken: killing pnpm passes no signal on (pnpm dies, the
 * processes under it carry on), so this process watches that every link is still there with the
 * same parent. pnpm's own parent may change (a shell that started it with nohup exits): only
 * pnpm's life counts. Never resolves when there is no chain to watch.
 */
export function orphaned(chain: readonly number[], everyMs = 1_000): { done: Promise<void>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const parents = chain.map((pid) => stat(pid)?.ppid);
  const done = new Promise<void>((resolve) => {
    if (chain.length === 0) return;
    timer = setInterval(() => {
      const broken = process.ppid !== chain[0] || chain.some((pid, i) => {
        const now = stat(pid);
        return now === undefined || (i < chain.length - 1 && now.ppid !== parents[i]);
      });
      if (broken) { clearInterval(timer); resolve(); }
    }, everyMs);
    timer.unref();
  });
  return { done, stop: () => clearInterval(timer) };
}
