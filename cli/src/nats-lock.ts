import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * One local NATS per data folder. The server runs in its own process group (so a terminal's Ctrl-C
 * does not stop it under the draining services), which also means a launcher killed outright
 * (SIGKILL, a crash) leaves it running on the folder's store. The lock file names both processes:
 * the next start refuses while the launcher lives, and stops a server whose launcher is gone.
 */
interface Lock { launcherPid: number; natsPid: number; storeDir: string }

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === "EPERM"; }
};

const commandLine = (pid: number): string => {
  try { return readFileSync(`/proc/${pid}/cmdline`, "utf8"); } catch { return ""; }
};

export class StackLockedError extends Error {
  readonly code = "CLI_ERR_STACK_LOCKED";
  constructor(message: string) { super(message); this.name = "StackLockedError"; }
}

/** Before starting NATS on `storeDir`: refuses a live launcher's folder, stops a dead one's server. Returns what it stopped. */
export async function claimNatsStore(dataDir: string, storeDir: string): Promise<string | undefined> {
  const file = join(dataDir, "nats.lock");
  let lock: Lock | undefined;
  try { lock = JSON.parse(readFileSync(file, "utf8")) as Lock; } catch { return undefined; }
  if (lock.launcherPid !== process.pid && alive(lock.launcherPid)) {
    throw new StackLockedError(`harness is already running from ${dataDir} (pid ${lock.launcherPid}): stop it first, or set HARNESS_HOME to another folder`);
  }
  // Only the server this lock names, still serving this store: a reused pid is left alone.
  if (!alive(lock.natsPid) || !commandLine(lock.natsPid).includes(lock.storeDir)) { rmSync(file, { force: true }); return undefined; }
  process.kill(lock.natsPid, "SIGTERM");
  for (let i = 0; i < 100 && alive(lock.natsPid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(lock.natsPid)) process.kill(lock.natsPid, "SIGKILL");
  rmSync(file, { force: true });
  return `stopped the NATS server (pid ${lock.natsPid}) an earlier harness left running on ${storeDir}`;
}

export function writeNatsLock(dataDir: string, natsPid: number, storeDir: string): void {
  const lock: Lock = { launcherPid: process.pid, natsPid, storeDir };
  writeFileSync(join(dataDir, "nats.lock"), JSON.stringify(lock), { mode: 0o600 });
}

export function releaseNatsLock(dataDir: string): void {
  rmSync(join(dataDir, "nats.lock"), { force: true });
}
