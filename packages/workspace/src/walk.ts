import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import ignore, { type Ignore } from "ignore";

/** Never useful to list or search, and often huge. */
export const DEFAULT_IGNORES = [".git/", "node_modules/", ".DS_Store", ".harness-home/"] as const;

export interface WalkEntry {
  /** Slash-separated, relative to the workspace root. */
  path: string;
  abs: string;
  kind: "file" | "dir" | "symlink" | "other";
}

export interface WalkOptions {
  /** Honour .gitignore files (root and nested) on top of DEFAULT_IGNORES. */
  gitignore?: boolean;
  /** Stops the walk after this many entries, so a giant tree cannot stall a tool call. */
  maxVisited?: number;
}

interface Matcher { base: string; ig: Ignore }

/**
 * Depth-first walk in sorted order without following symlinks. `start` is a
 * workspace-relative directory ("" for the root); entries below ignored directories are
 * never read.
 */
export async function* walk(root: string, start: string, opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const matchers: Matcher[] = [{ base: "", ig: ignore().add([...DEFAULT_IGNORES]) }];
  if (opts.gitignore !== false) {
    const segments = start === "" ? [] : start.split("/");
    for (let i = 0; i < segments.length; i++) {
      await addGitignore(root, segments.slice(0, i).join("/"), matchers);
    }
  }
  // Asking for an ignored directory by name (say node_modules/pkg) is a deliberate look inside.
  const explicit = start !== "" && isIgnored(matchers, start, true);
  if (explicit) matchers.length = 0;
  let visited = 0;
  const max = opts.maxVisited ?? Number.POSITIVE_INFINITY;
  async function* visit(dir: string, scoped: Matcher[]): AsyncGenerator<WalkEntry> {
    const local = opts.gitignore === false || explicit ? scoped : [...scoped];
    if (opts.gitignore !== false && !explicit) await addGitignore(root, dir, local);
    const abs = join(root, dir);
    const dirents = await readdir(abs, { withFileTypes: true }).catch(() => []);
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      if (visited >= max) return;
      const path = dir === "" ? d.name : `${dir}/${d.name}`;
      const isDir = d.isDirectory();
      if (isIgnored(local, path, isDir)) continue;
      visited++;
      const kind = isDir ? "dir" : d.isFile() ? "file" : d.isSymbolicLink() ? "symlink" : "other";
      yield { path, abs: join(abs, d.name), kind };
      if (isDir) yield* visit(path, local);
    }
  }
  yield* visit(start, matchers);
}

async function addGitignore(root: string, dir: string, matchers: Matcher[]): Promise<void> {
  const text = await readFile(join(root, dir, ".gitignore"), "utf8").catch(() => undefined);
  if (text !== undefined) matchers.push({ base: dir, ig: ignore().add(text) });
}

function isIgnored(matchers: Matcher[], path: string, isDir: boolean): boolean {
  for (const m of matchers) {
    if (m.base !== "" && !path.startsWith(`${m.base}/`)) continue;
    const rel = m.base === "" ? path : path.slice(m.base.length + 1);
    if (m.ig.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}
