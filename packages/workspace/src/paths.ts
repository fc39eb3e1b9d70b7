import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import { ERROR_CODES, ToolError } from "./errors.js";

// Linux gives up at 40 hops (ELOOP); following more would only hide a loop.
const MAX_SYMLINK_HOPS = 40;

/** True when `candidate` (absolute, normalized) is `base` or lies below it. */
export function isInside(base: string, candidate: string): boolean {
  const rel = relative(base, candidate);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** The real path of the workspace root; every check compares against this. */
export function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch (err) {
    throw new ToolError(`workspace root ${root} does not exist`, ERROR_CODES.notFound, { cause: err });
  }
}

/**
 * Resolves `path` (relative to `root`) to an absolute real path inside the workspace.
 *
 * Symlinks are followed component by component the way the kernel would, including dangling
 * ones and `..` after a symlink, so a link created by a command cannot smuggle a file tool
 * outside; only the missing tail (which cannot contain links yet) is joined lexically.
 * A command running concurrently could still swap a directory for a link between this check
 * and the file operation; tools run one at a time, so we accept that window.
 */
export function resolveInside(root: string, path: string): string {
  if (typeof path !== "string") throw new ToolError("path must be a string", ERROR_CODES.invalidInput);
  if (path.includes("\0")) throw new ToolError("path contains a NUL byte", ERROR_CODES.invalidInput);
  if (isAbsolute(path)) {
    throw new ToolError(`refused '${path}': absolute paths are not allowed; use a path relative to the workspace root`, ERROR_CODES.pathEscape);
  }
  const lexical = normalize(path === "" ? "." : path);
  if (lexical === ".." || lexical.startsWith(`..${sep}`)) {
    throw new ToolError(`refused '${path}': '..' climbs out of the workspace; paths must stay inside the workspace root`, ERROR_CODES.pathEscape);
  }
  const base = realRoot(root);
  const { resolved, lastLink } = followPath(base, path.split(sep));
  if (!isInside(base, resolved)) {
    const via = lastLink ? ` through the symlink '${displayPath(base, lastLink.path)}' -> '${lastLink.target}'` : "";
    throw new ToolError(`refused '${path}': it resolves outside the workspace${via}; symlinks may only point inside the workspace`, ERROR_CODES.pathEscape);
  }
  return resolved;
}

/** A workspace-relative, slash-separated path for messages and listings. */
export function displayPath(base: string, absolute: string): string {
  const rel = relative(base, absolute);
  return rel === "" ? "." : rel.split(sep).join("/");
}

interface FollowResult { resolved: string; lastLink: { path: string; target: string } | undefined }

function followPath(base: string, parts: string[]): FollowResult {
  const queue = parts.filter((p) => p !== "" && p !== ".");
  let current = base;
  let hops = 0;
  let lastLink: FollowResult["lastLink"];
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === "..") { current = dirname(current); continue; }
    const next = join(current, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      // Nothing exists from here on, so nothing below can be a link yet.
      return { resolved: join(next, ...queue), lastLink };
    }
    if (!isLink) { current = next; continue; }
    if (++hops > MAX_SYMLINK_HOPS) {
      throw new ToolError(`refused '${displayPath(base, next)}': too many levels of symbolic links`, ERROR_CODES.pathEscape);
    }
    const target = readlinkSync(next);
    lastLink = { path: next, target };
    if (isAbsolute(target)) current = sep;
    queue.unshift(...target.split(sep).filter((p) => p !== "" && p !== "."));
  }
  return { resolved: current, lastLink };
}
