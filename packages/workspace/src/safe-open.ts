import { closeSync, constants, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeSync, type Stats } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { ERROR_CODES, ToolError } from "./errors.js";
import { isInside, realRoot, resolveInside } from "./paths.js";

/*
 * The services read and write workspaces as their own (often root) user while code the model
 * wrote may still run there as the sandbox user (a dev server, a product under evaluation). A
 * path checked with resolveInside can be swapped for a symlink before the open that follows it,
 * and then root reads a secret into a prompt or an artifact, or writes outside. These opens walk
 * the path one directory descriptor at a time (`/proc/self/fd/<dir>/<name>` is openat(2) for
 * Node), never following a link, so a swap makes the open fail instead of escaping. Without /proc
 * (macOS) they fall back to resolveInside + O_NOFOLLOW, which leaves the race window open there.
 */
const PROC_FD = existsSync("/proc/self/fd");
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

interface OpenOptions { create?: boolean; mode?: number }

/**
 * An fd of `path` (relative to the workspace, or absolute under its real root with links already
 * resolved), opened without following any link.
 */
export function openInside(root: string, path: string, flags: number, opts: OpenOptions = {}): number {
  const base = realRoot(root);
  const abs = isAbsolute(path) ? path : join(base, path);
  if (!isInside(base, abs)) throw escape(root, abs, "it lies outside the workspace");
  const parts = relative(base, abs).split(sep).filter((p) => p !== "" && p !== ".");
  const last = parts.pop();
  if (last === undefined) throw new ToolError("the workspace root is not a file", ERROR_CODES.invalidInput);
  const finalFlags = flags | constants.O_NOFOLLOW | (opts.create ? constants.O_CREAT : 0);
  if (!PROC_FD) return openSync(resolveInside(root, relative(base, abs)), finalFlags, opts.mode);
  let dir = openSync(base, DIR_FLAGS);
  try {
    for (const part of parts) {
      const at = `/proc/self/fd/${dir}/${part}`;
      if (opts.create && !existsSync(at)) mkdirSync(at);
      const next = openDir(at, root, abs);
      closeSync(dir);
      dir = next;
    }
    return openFinal(`/proc/self/fd/${dir}/${last}`, finalFlags, opts.mode, root, abs);
  } finally {
    closeSync(dir);
  }
}

function openDir(at: string, root: string, abs: string): number {
  try {
    return openSync(at, DIR_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "ENOTDIR") throw escape(root, abs, "a folder on its path is a symlink or not a folder (it changed while being read)");
    throw err;
  }
}

function openFinal(at: string, flags: number, mode: number | undefined, root: string, abs: string): number {
  try {
    return openSync(at, flags, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw escape(root, abs, "it is a symlink (it changed while being read)");
    throw err;
  }
}

function escape(root: string, abs: string, why: string): ToolError {
  const base = realRoot(root);
  return new ToolError(`refused '${relative(base, abs) || abs}': ${why}`, ERROR_CODES.pathEscape);
}

/**
 * A regular file hard-linked elsewhere and owned by someone other than the workspace's owner is
 * refused: where the host allows hard links to files one cannot write (fs.protected_hardlinks=0),
 * sandboxed code could link a root-only file into its workspace.
 */
function checkRegular(root: string, abs: string, st: Stats): void {
  if (!st.isFile()) throw new ToolError(`'${relative(realRoot(root), abs)}' is not a regular file`, ERROR_CODES.invalidInput);
  if (st.nlink > 1 && st.uid !== statSync(realRoot(root)).uid) throw escape(root, abs, "it is a hard link to a file the workspace does not own");
}

/** The bytes of a regular file inside the workspace, at most `maxBytes` (more: a ToolError naming the size). */
export function readInside(root: string, path: string, maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  const fd = openInside(root, path, constants.O_RDONLY | constants.O_NONBLOCK);
  const abs = isAbsolute(path) ? path : join(realRoot(root), path);
  try {
    const st = fstatSync(fd);
    checkRegular(root, abs, st);
    if (st.size > maxBytes) throw new ToolError(`'${relative(realRoot(root), abs)}' is ${st.size} bytes, more than the ${maxBytes} read here`, ERROR_CODES.invalidInput);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates or replaces a regular file inside the workspace (missing folders made through the same walk). */
export function writeInside(root: string, path: string, data: string | Uint8Array): void {
  const abs = isAbsolute(path) ? path : join(realRoot(root), path);
  const fd = openInside(root, abs, constants.O_WRONLY, { create: true, mode: 0o644 });
  try {
    checkRegular(root, abs, fstatSync(fd));
    // Truncate only after the checks: O_TRUNC would have cut a hard-linked file before them.
    ftruncateSync(fd, 0);
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let at = 0;
    while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at, at);
  } finally {
    closeSync(fd);
  }
}
