import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/**
 * One local NATS per data folder. The server runs in its own process group (so a terminal's Ctrl-C
 * does not stop it under the draining services), which also means a launcher killed outright
 * (SIGKILL, a crash) leaves it running on the folder's store. The lock file names both processes:
 * the next start refuses while the launcher lives, and stops a server whose launcher is gone.
 */
interface Lock { launcherPid: number; launcherStart: string; natsPid: number; storeDir: string }

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === "EPERM"; }
};

/** When the process started (clock ticks since boot, /proc/<pid>/stat field 22): a pid reused later has another. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch { return ""; }
}

function argvOf(pid: number): string[] {
  try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"); } catch { return []; }
}

/** Whether `pid` is a nats-server serving exactly `storeDir` (not any process naming that path). */
function servesStore(pid: number, storeDir: string): boolean {
  if (!alive(pid)) return false;
  const argv = argvOf(pid);
  if (!/(^|\/)nats-server$/.test(argv[0] ?? "")) return false;
  const sd = argv.indexOf("-sd");
  if (sd > 0) return argv[sd + 1] === storeDir;
  // A server with generated users names its store in its config file (see testkit).
  const conf = argv.indexOf("-c");
  try { return conf > 0 && readFileSync(argv[conf + 1] ?? "", "utf8").includes(`store_dir: ${JSON.stringify(storeDir)}`); } catch { return false; }
}

/** The temp folder holding a local nats-server's config (`-c <tmp>/harness-nats-XXXX/server.conf`), if that is where it is. */
function configDir(pid: number): string | undefined {
  const argv = argvOf(pid);
  const conf = argv[argv.indexOf("-c") + 1] ?? "";
  const dir = dirname(conf);
  return argv.includes("-c") && basename(conf) === "server.conf" && dirname(dir) === tmpdir() && basename(dir).startsWith("harness-nats-") ? dir : undefined;
}

export class StackLockedError extends Error {
  readonly code = "CLI_ERR_STACK_LOCKED";
  constructor(message: string) { super(message); this.name = "StackLockedError"; }
}

const lockFile = (dataDir: string) => join(dataDir, "nats.lock");

/**
 * Before starting NATS on `storeDir`. A lock whose NATS no longer serves the store is stale,
 * whoever it names. Otherwise: refused while the launcher that wrote it lives (same pid, same
 * start time); a server whose launcher is gone is stopped. Returns what it stopped. Then the
 * lock names this process, before its NATS starts.
 */
export async function claimNatsStore(dataDir: string, storeDir: string): Promise<string | undefined> {
  let stopped: string | undefined;
  let lock: Partial<Lock> | undefined;
  try { lock = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as Partial<Lock>; } catch { lock = undefined; }
  const natsPid = Number(lock?.natsPid);
  if (lock && natsPid > 0 && servesStore(natsPid, storeDir)) {
    const launcher = Number(lock.launcherPid);
    if (launcher !== process.pid && alive(launcher) && startTime(launcher) === lock.launcherStart) {
      throw new StackLockedError(`harness is already running from ${dataDir} (pid ${launcher}, NATS pid ${natsPid}): stop it first, or set HARNESS_HOME to another folder (${lockFile(dataDir)} says so)`);
    }
    const config = configDir(natsPid);
    process.kill(natsPid, "SIGTERM");
    for (let i = 0; i < 100 && alive(natsPid); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive(natsPid)) process.kill(natsPid, "SIGKILL");
    // Its config folder in the temp directory, which the launcher that died would have removed.
    if (config) rmSync(config, { recursive: true, force: true });
    stopped = `stopped the NATS server (pid ${natsPid}) an earlier harness left running on ${storeDir}`;
  }
  writeNatsLock(dataDir, 0, storeDir);
  return stopped;
}

export function writeNatsLock(dataDir: string, natsPid: number, storeDir: string): void {
  const lock: Lock = { launcherPid: process.pid, launcherStart: startTime(process.pid), natsPid, storeDir };
  writeFileSync(lockFile(dataDir), JSON.stringify(lock), { mode: 0o600 });
}

export function releaseNatsLock(dataDir: string): void {
  rmSync(lockFile(dataDir), { force: true });
}
