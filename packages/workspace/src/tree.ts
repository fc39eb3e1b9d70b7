import { createHash } from "node:crypto";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { isAbsolute, join, posix } from "node:path";
import ignore, { type Ignore } from "ignore";

/**
 * Dependency folders and caches: rebuilt by the contract's install command, and often larger
 * than everything else together. gitignore syntax, matched at any depth.
 */
export const DEFAULT_SNAPSHOT_EXCLUDES = [
  "node_modules/", ".pnpm-store/", ".npm/", ".yarn/cache/", ".cache/", ".turbo/", ".parcel-cache/",
  ".next/cache/", "__pycache__/", ".venv/", ".pytest_cache/", ".mypy_cache/",
] as const;

export interface TreeOptions {
  /** gitignore-style patterns left out of the tree; replaces DEFAULT_SNAPSHOT_EXCLUDES. */
  exclude?: readonly string[];
}

export interface TreeEntry {
  /** Slash-separated, relative to the root. */
  path: string;
  kind: "file" | "dir" | "symlink";
  /** Normalized the way git does: 644 or 755 for files, 755 for dirs, 777 for links. */
  mode: number;
  linkTarget?: string;
  size: number;
}

export interface Tree { entries: TreeEntry[]; skipped: string[] }

const READ_CONCURRENCY = 32;

/** True for `.git` and everything in it, at any depth: history travels but is not "content". */
export function isGitPath(path: string): boolean {
  return path === ".git" || path.startsWith(".git/") || path.endsWith("/.git") || path.includes("/.git/");
}

/**
 * Every entry under `root`, sorted by UTF-8 bytes of the path (so order never depends on
 * locale). Links pointing outside the root, sockets and fifos are skipped and reported:
 * restore refuses escaping links, so a snapshot must never contain one.
 */
export async function readTree(root: string, opts: TreeOptions = {}): Promise<Tree> {
  const ig: Ignore = ignore().add([...(opts.exclude ?? DEFAULT_SNAPSHOT_EXCLUDES)]);
  const entries: TreeEntry[] = [];
  const skipped: string[] = [];
  const dirs = [""];
  while (dirs.length > 0) {
    const dir = dirs.pop() as string;
    for (const d of await readdir(join(root, dir), { withFileTypes: true })) {
      const path = dir === "" ? d.name : `${dir}/${d.name}`;
      if (ig.ignores(d.isDirectory() ? `${path}/` : path)) continue;
      if (d.isDirectory()) {
        entries.push({ path, kind: "dir", mode: 0o755, size: 0 });
        dirs.push(path);
      } else if (d.isSymbolicLink()) {
        const target = await readlink(join(root, path));
        if (linkEscapes(path, target)) skipped.push(path);
        else entries.push({ path, kind: "symlink", mode: 0o777, linkTarget: target, size: 0 });
      } else if (d.isFile()) {
        entries.push({ path, kind: "file", mode: 0o644, size: 0 });
      } else {
        skipped.push(path);
      }
    }
  }
  const files = entries.filter((e) => e.kind === "file");
  await eachLimited(files, READ_CONCURRENCY, async (e) => {
    const abs = join(root, e.path);
    const info = await lstat(abs);
    e.mode = info.mode & 0o111 ? 0o755 : 0o644;
    e.size = info.size;
  });
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return { entries, skipped };
}

/** A link whose target, taken lexically from the link's directory, leaves the root. */
export function linkEscapes(path: string, target: string): boolean {
  if (isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === ".." || resolved.startsWith("../");
}

/**
 * sha256 over `kind mode sha256(content) path\0` for every non-.git entry in sorted order:
 * mtimes, owners and the order of readdir never change it. `bodyHashes` maps paths whose
 * content hash is already known (snapshot hashes while packing); the rest are read.
 */
export async function digestEntries(root: string, entries: readonly TreeEntry[], bodyHashes: ReadonlyMap<string, string> = new Map()): Promise<string> {
  const content = entries.filter((e) => !isGitPath(e.path));
  const hashes = new Array<string>(content.length);
  await eachLimited(content.map((e, i) => ({ e, i })), READ_CONCURRENCY, async ({ e, i }) => {
    const known = bodyHashes.get(e.path);
    if (known !== undefined) { hashes[i] = known; return; }
    hashes[i] = sha256(e.kind === "file" ? await readFile(join(root, e.path)) : Buffer.from(e.linkTarget ?? ""));
  });
  const h = createHash("sha256");
  content.forEach((e, i) => h.update(`${e.kind} ${e.mode.toString(8)} ${hashes[i]} ${e.path}\0`));
  return h.digest("hex");
}

export function sha256(body: Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}

/** Working-tree paths (files and links, no .git) for reports. */
export function contentFiles(entries: readonly TreeEntry[]): string[] {
  return entries.filter((e) => e.kind !== "dir" && !isGitPath(e.path)).map((e) => e.path);
}

/** sha256 of the working tree as snapshot() would store it, without building an archive. */
export async function treeDigest(root: string, opts: TreeOptions = {}): Promise<string> {
  const { entries } = await readTree(root, opts);
  return digestEntries(root, entries);
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
