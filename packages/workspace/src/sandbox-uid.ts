import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { dirname } from "node:path";
import { ERROR_CODES, WorkspaceError } from "./errors.js";

// Workspace uids and gids come from a range no distribution gives to accounts (they allocate
// below 65536, subordinate ranges from 100000 on): 2^24 values from 10^9, picked by the
// workspace's path, so concurrent workspaces of all services on the machine almost never share one
// and no registry is needed to find a workspace's uid again (git, release).
const UID_BASE = 1_000_000_000;
const UID_SPAN = 2 ** 24;
const CHOWN_TIMEOUT_MS = 60_000;

const traversable = new Set<string>();

export function workspaceUid(root: string): number {
  return UID_BASE + (createHash("sha256").update(root).digest().readUInt32BE(0) % UID_SPAN);
}

/**
 * Gives `root` to `id`: the folder itself becomes 0700 (other workspaces' uids cannot look in),
 * and everything in it the service created since the last call changes owner (find -P, chown -h --from):
 * regular files with more than one link are skipped (a hard link may point outside). -execdir runs
 * chown from each folder on its bare name, so a folder swapped for a link mid-walk is not followed; find walks
 * with directory descriptors and never follows symlinks (-P), so a command racing the walk by
 * swapping a folder for a link cannot make it change anything outside; --from leaves what the
 * sandbox already owns untouched (and never gives away a file another uid owns).
 */
export async function handOver(root: string, id: number): Promise<void> {
  checkAncestors(root);
  await chmod(root, 0o700);
  const self = process.getuid?.() ?? 0;
  await new Promise<void>((resolve, reject) => {
    // A regular file with more than one link may be a hard link to a file outside the workspace
    // (hosts with fs.protected_hardlinks=0): chown changes the inode, so it is skipped (review F9).
    const args = ["-P", root, "-xdev", "(", "-type", "d", "-o", "-links", "1", ")", "-uid", String(self), "-execdir", "chown", "-h", `--from=${self}`, `${id}:${id}`, "--", "{}", "+"];
    // -execdir refuses a PATH with a relative entry; chown is looked up in the system folders only.
    execFile("find", args, { env: { ...process.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }, timeout: CHOWN_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 1024 * 1024 }, (err, _out, stderr) => {
      // A file a command deleted during the walk is not an error worth failing a build for.
      if (err && !/^((chown|find): [^\n]*No such file or directory\n?)+$/.test(stderr)) {
        reject(new WorkspaceError(`could not hand the workspace ${root} to its sandbox user ${id}: ${stderr.trim() || err.message}`, ERROR_CODES.sandbox, { cause: err }));
      } else resolve();
    });
  });
}

/**
 * Every folder above the workspace must let the sandbox user through (others' x bit). They are
 * never changed here: whoever created them decides (a mkdtemp folder is 0700; the code that made
 * it can chmod it 0711). The error says which one and what to do.
 */
function checkAncestors(root: string): void {
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    if (!traversable.has(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) {
        throw new WorkspaceError(
          `the sandbox user cannot reach the workspace ${root}: ${dir} is mode ${(mode & 0o777).toString(8)} and lets no other user through. ` +
          `Make it traversable (chmod o+x ${dir}), put the workdir (GENERATOR_WORKDIR, EVALUATOR_WORKDIR) under folders that are, or set HARNESS_SANDBOX=off to run commands unsandboxed.`,
          ERROR_CODES.sandbox,
        );
      }
      traversable.add(dir);
    }
    if (dir === dirname(dir)) return;
  }
}

/**
 * Kills every process of `id`, however it detached: `kill -9 -1` run as that uid signals all
 * processes it may signal (its own) in one pass of the kernel, so a forking process cannot outrun it.
 */
export function killUidProcesses(id: number): void {
  spawnSync("/bin/sh", ["-c", "kill -9 -1"], { uid: id, gid: id, stdio: "ignore", timeout: 5_000 });
}
