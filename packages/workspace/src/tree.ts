import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import ignore, { type Ignore } from "ignore";
import { loopSlicer } from "./loop-slice.js";
import { realRoot } from "./paths.js";
import { readInside } from "./safe-open.js";

/**
 * Dependency folders and caches: rebuilt by the contract's install command, and often larger
 * than everything else together. gitignore syntax, matched at any depth.
 */
export const DEFAULT_SNAPSHOT_EXCLUDES = [
  "node_modules/", ".pnpm-store/", ".npm/", ".yarn/cache/", ".cache/", ".turbo/", ".parcel-cache/",
  ".next/cache/", "__pycache__/", ".venv/", ".pytest_cache/", ".mypy_cache/",
  // The sandbox's HOME, TMPDIR and caches (sandbox.ts).
  ".harness-home/",
] as const;

/**
 * Longest entry name, in bytes (Linux's PATH_MAX), and deepest, in levels, that archives carry:
 * no workspace needs more (dependency folders are never archived), and every level is a
 * directory to create, very deep ones costing seconds.
 */
export const MAX_NAME_BYTES = 4_096;
export const MAX_NAME_DEPTH = 128;

/** Whether a slash-separated entry name is within MAX_NAME_BYTES and MAX_NAME_DEPTH. */
export function nameWithinLimits(path: string): boolean {
  return Buffer.byteLength(path) <= MAX_NAME_BYTES && path.split("/").length <= MAX_NAME_DEPTH;
}

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
  const slice = loopSlicer();
  while (dirs.length > 0) {
    const dir = dirs.pop() as string;
    for (const d of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === "" ? d.name : `${dir}/${d.name}`;
      // What restore would refuse is left out (and reported), so every snapshot restores.
      if (!nameWithinLimits(path)) {
        skipped.push(path);
        continue;
      }
      if (ig.ignores(d.isDirectory() ? `${path}/` : path)) continue;
      if (d.isDirectory()) {
        entries.push({ path, kind: "dir", mode: 0o755, size: 0 });
        dirs.push(path);
      } else if (d.isSymbolicLink()) {
        const target = readlinkSync(join(root, path));
        if (linkEscapes(path, target)) skipped.push(path);
        else entries.push({ path, kind: "symlink", mode: 0o777, linkTarget: target, size: 0 });
      } else if (d.isFile()) {
        const info = lstatSync(join(root, path));
        entries.push({ path, kind: "file", mode: info.mode & 0o111 ? 0o755 : 0o644, size: info.size });
      } else {
        skipped.push(path);
      }
      await slice();
    }
  }
  // Each link stays inside on its own; followed through each other, some may not.
  const links = new Map(entries.filter((e) => e.kind === "symlink").map((e) => [e.path, e.linkTarget ?? ""] as const));
  const escaping = new Set(await escapingLinks(links));
  const kept = escaping.size === 0 ? entries : entries.filter((e) => !escaping.has(e.path));
  kept.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return { entries: kept, skipped: [...skipped, ...escaping] };
}

/** A link whose target, taken lexically from the link's directory, leaves the root. */
export function linkEscapes(path: string, target: string): boolean {
  if (isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === ".." || resolved.startsWith("../");
}

// Linux gives up after 40 links in one lookup; a longer chain is a loop or an attack either way.
const MAX_LINK_HOPS = 40;

interface PathNode { children: Map<string, PathNode>; link?: string }

/** The link paths as a tree of components, so each step of a walk is one lookup of one name. */
function linkTree(links: ReadonlyMap<string, string>): PathNode {
  const root: PathNode = { children: new Map() };
  for (const path of links.keys()) {
    let node = root;
    for (const c of path.split("/")) {
      let next = node.children.get(c);
      if (!next) node.children.set(c, (next = { children: new Map() }));
      node = next;
    }
    node.link = path;
  }
  return root;
}

/** Where a link leads (path components, no link left in them) and how many links that took, itself included. */
interface Resolution { at: string[]; links: number }

/**
 * Links (path -> target) that leave the root once the other links are followed, as the OS
 * resolves them: `a/up -> ..` and `esc -> a/up/..` each stay inside on their own, but `esc`
 * points at the root's parent. Loops, links needing more than 40 links in one lookup (as Linux
 * counts them, every link followed), and links that take far more steps to follow than their
 * length explains count as escaping. Steps are budgeted per link by its number of components,
 * so the work stays proportional to the input, and the event loop gets a turn between links.
 */
export async function escapingLinks(links: ReadonlyMap<string, string>): Promise<string[]> {
  const root = linkTree(links);
  // A link's resolution does not depend on who follows it: each is worked out once. Null: escapes.
  const resolved = new Map<string, Resolution | null>();
  const slice = loopSlicer();

  const follow = (path: string, depth: number): Resolution | null => {
    const known = resolved.get(path);
    if (known !== undefined) return known;
    const target = links.get(path) ?? "";
    if (depth > MAX_LINK_HOPS || isAbsolute(target)) return null;
    resolved.set(path, null); // in progress: a loop back to it escapes
    const walked = walk(path, target, depth);
    const result = walked === null || walked.links + 1 > MAX_LINK_HOPS ? null : { at: walked.at, links: walked.links + 1 };
    resolved.set(path, result);
    return result;
  };

  const walk = (path: string, target: string, depth: number): Resolution | null => {
    const parts = target.split("/");
    let budget = 64 + 8 * (path.split("/").length + parts.length);
    let followed = 0;
    let at: string[] = [];
    let nodes: (PathNode | undefined)[] = [root];
    const enter = (components: readonly string[]): void => {
      at = [];
      nodes = [root];
      for (const c of components) {
        at.push(c);
        nodes.push(nodes[nodes.length - 1]?.children.get(c));
      }
    };
    enter(posix.dirname(path).split("/").filter((c) => c !== "" && c !== "."));
    for (const c of parts) {
      if (--budget < 0) return null;
      if (c === "" || c === ".") continue;
      if (c === "..") {
        if (at.length === 0) return null;
        at.pop();
        nodes.pop();
        continue;
      }
      at.push(c);
      const node = nodes[nodes.length - 1]?.children.get(c);
      nodes.push(node);
      if (node?.link === undefined) continue;
      const through = follow(node.link, depth + 1);
      if (through === null) return null;
      followed += through.links;
      budget -= through.at.length;
      if (followed > MAX_LINK_HOPS) return null;
      enter(through.at);
    }
    return { at, links: followed };
  };

  const out: string[] = [];
  for (const path of links.keys()) {
    if (follow(path, 0) === null) out.push(path);
    await slice();
  }
  return out;
}

/**
 * sha256 over `kind mode sha256(content) path\0` for every non-.git entry in sorted order:
 * mtimes, owners and the order of readdir never change it. `bodyHashes` maps paths whose
 * content hash is already known (snapshot hashes while packing); the rest are read.
 */
export async function digestEntries(root: string, entries: readonly TreeEntry[], bodyHashes: ReadonlyMap<string, string> = new Map()): Promise<string> {
  const h = createHash("sha256");
  const slice = loopSlicer();
  const base = realRoot(root);
  for (const e of entries) {
    if (isGitPath(e.path)) continue;
    const hash = bodyHashes.get(e.path) ?? sha256(e.kind === "file" ? readInside(root, join(base, e.path)) : Buffer.from(e.linkTarget ?? ""));
    h.update(`${e.kind} ${e.mode.toString(8)} ${hash} ${e.path}\0`);
    await slice();
  }
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
