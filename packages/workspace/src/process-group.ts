import { spawn, type ChildProcess } from "node:child_process";
import type { EventEmitter } from "node:events";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import type { Readable } from "node:stream";
import { spawnRemote } from "./runner-client.js";
import { launchIn } from "./sandbox.js";

// bash when present because model-written commands assume it (`source`, `[[`), sh otherwise.
const SHELL = existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh";

const live = new Set<number>();
let exitHookInstalled = false;

/** The leader's output and its `exit`, `error` and `close` events, here or in the runner. */
export interface GroupLeader extends EventEmitter { stdout: Readable; stderr: Readable }

/** A command's process group, wherever it runs. */
export interface Group {
  leader: GroupLeader;
  /** Signals the whole group; a group that is gone is not an error. */
  kill(signal?: NodeJS.Signals): void;
  /** True while any member may still be alive. */
  alive(): boolean;
}

/**
 * Spawns `command` through the shell, in the workspace's sandbox (sandbox.ts), as the leader of
 * a new process group, so the command and every child it forks (that does not call setsid
 * itself) can be killed in one signal. `cwd` is the workspace's real root.
 */
export async function spawnGroup(command: string, cwd: string, env: Record<string, string>): Promise<Group> {
  const launch = await launchIn(cwd, SHELL, ["-c", command], env);
  if (launch.runner !== undefined) return spawnRemote(launch.runner, [launch.file, ...launch.args], cwd, launch.env);
  const child = spawnLocalGroup(launch.file, launch.args, cwd, launch.env, launch.uid);
  return { leader: child as ChildProcess & GroupLeader, kill: (signal) => killGroup(child.pid, signal), alive: () => child.pid !== undefined && groupAlive(child.pid) };
}

/** `file args` as the leader of a new process group here (as `uid`, when given), stdin closed unless asked for. */
export function spawnLocalGroup(file: string, args: string[], cwd: string, env: Record<string, string>, uid?: number, stdin = false): ChildProcess {
  const child = spawn(file, args, { cwd, env, detached: true, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"], ...(uid !== undefined ? { uid, gid: uid } : {}) });
  if (child.pid !== undefined) {
    const pid = child.pid;
    live.add(pid);
    installExitHook();
    // The group may outlive its leader (background jobs), so we forget it only when killed.
    child.once("error", () => live.delete(pid));
  }
  return child;
}

/** Signals the whole group; a group that is already gone is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every member has exited already.
  }
  if (signal === "SIGKILL") live.delete(pid);
}

/** True while any member of the group is alive (zombies do not count). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync("/proc")) return true;
  // Orphans are reaped by PID 1, which in a container may never do it; a zombie holds no
  // port and runs no code, so waiting for it would only stall stop().
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const state = procState(Number(name));
    if (state && state.pgrp === pgid && state.state !== "Z") return true;
  }
  return false;
}

/**
 * State letter, parent, process group and controlling terminal (0: none) of `pid` from /proc, or
 * undefined when it is gone or there is no /proc.
 */
export function procState(pid: number): { state: string; ppid: number; pgrp: number; tty: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", ppid: Number(fields[1]), pgrp: Number(fields[2]), tty: Number(fields[4]) };
  } catch {
    return undefined;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Detached groups survive their parent; a dying service must not leave servers and builds behind.
  process.once("exit", () => {
    for (const pid of live) killGroup(pid);
  });
}
