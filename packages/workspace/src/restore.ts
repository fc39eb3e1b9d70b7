import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdir, readdir, realpath, rm } from "node:fs/promises";
import { join } from "node:path";
import tar from "tar-stream";
import { ArchiveError } from "./errors.js";
import { loopSlicer } from "./loop-slice.js";
import { DEFAULT_MAX_SNAPSHOT_BYTES, gunzipIfNeeded } from "./snapshot.js";
import { contentFiles, digestEntries, escapingLinks, isGitPath, linkEscapes, MAX_NAME_BYTES, MAX_NAME_DEPTH, nameWithinLimits, sha256, type TreeEntry } from "./tree.js";

export interface RestoreOptions {
  /** Throw ArchiveError (and clear `dir`) unless the restored tree has this digest. */
  expectedDigest?: string;
  /** Upper bound on the unpacked archive size. */
  maxBytes?: number;
  /**
   * Leave out `.git` (and nested ones): entries are still checked like any other, then not
   * written. For a reader that needs the product, not its history (the evaluator): history grows
   * by loose objects every commit, the working tree only with the product.
   */
  skipGit?: boolean;
}

export interface Restored { digest: string; files: string[] }

/**
 * Unpacks a snapshot into an empty directory and computes the digest of what it wrote.
 * Entries that would land outside `dir` (absolute names, `..`, writing through a link, links
 * pointing out) refuse the whole archive, and `dir` is emptied again.
 */
export async function restore(bytes: Uint8Array, dir: string, opts: RestoreOptions = {}): Promise<Restored> {
  await mkdir(dir, { recursive: true });
  const existing = await readdir(dir);
  if (existing.length > 0) throw new ArchiveError(`restore needs an empty directory, but ${dir} has ${existing.length} entries`);
  const base = await realpath(dir);
  try {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
    const { entries, hashes } = await extractInto(await gunzipIfNeeded(bytes, maxBytes * 2), base, maxBytes, opts.skipGit === true);
    // From the bytes just written (each with `wx`, so exactly those), not read back from disk.
    const digest = await digestEntries(base, entries, hashes);
    if (opts.expectedDigest !== undefined && digest !== opts.expectedDigest) {
      throw new ArchiveError(`restored tree has digest ${digest}, expected ${opts.expectedDigest}`);
    }
    return { digest, files: contentFiles(entries) };
  } catch (err) {
    for (const name of await readdir(base)) await rm(join(base, name), { recursive: true, force: true });
    throw err;
  }
}

/**
 * Every safety decision is made from entry names alone, before the entry is written. Writes are
 * synchronous (a workspace is many small files, and a thread-pool round trip per call made a
 * 36-file restore several times slower), giving the event loop back every few milliseconds.
 */
async function extractInto(data: Buffer, base: string, maxBytes: number, skipGit: boolean): Promise<{ entries: TreeEntry[]; hashes: Map<string, string> }> {
  // A tar cut off between two entries still parses: only its end-of-archive blocks tell.
  const end = tarEnd(data);
  if (end === undefined) throw new ArchiveError("archive is cut off: its headers do not lead to tar's end-of-archive blocks");
  // Writers pad to whole records (GNU tar: 10 KB) with zeros; anything more is not this archive.
  if (data.length - end > RECORD || !data.subarray(end).every((b) => b === 0)) throw new ArchiveError("archive has data after its end-of-archive blocks");
  const entries: TreeEntry[] = [];
  const hashes = new Map<string, string>();
  const extract = tar.extract();
  // Only up to the end blocks: the zero padding after them need not be whole blocks.
  extract.end(data.subarray(0, end));
  const seen = new Set<string>();
  const links = new Set<string>();
  const parents = new Set<string>();
  const dirs = new Set<string>([""]);
  const ensureDir = (rel: string): void => {
    const missing: string[] = [];
    for (let d = rel; !dirs.has(d); d = parentOf(d)) missing.push(d);
    for (const d of missing.reverse()) {
      mkdirSync(join(base, d), { mode: 0o755 });
      dirs.add(d);
    }
  };
  const slice = loopSlicer();
  let total = 0;
  try {
    await extractEntries();
  } catch (err) {
    // The parser's and the stream's errors (a bad header, an archive cut off inside a file) are
    // the archive's fault; a failed system call (EACCES, ENOSPC) is this machine's.
    if (err instanceof ArchiveError || (err as NodeJS.ErrnoException).syscall !== undefined) throw err;
    throw new ArchiveError(`archive is not a readable tar: ${(err as Error).message}`, { cause: err });
  }
  async function extractEntries(): Promise<void> {
    for await (const entry of extract) {
      const h = entry.header;
      // The archive's own root (`./` from `tar -C dir .`) is the directory being restored into.
      if (h.type === "directory" && /^(\.\/*)+$/.test(h.name)) {
        entry.resume();
        continue;
      }
      const name = checkName(h.name);
      if (seen.has(name)) throw new ArchiveError(`archive entry '${name}' appears twice`);
      seen.add(name);
      for (let p = parentOf(name); p !== ""; p = parentOf(p)) {
        if (links.has(p)) throw new ArchiveError(`archive entry '${name}' would be written through the symlink '${p}'`);
        parents.add(p);
      }
      const abs = join(base, name);
      // Checked in full above and below; only the write is left out.
      const written = skipGit && isGitPath(name) ? skipped : writtenOrRefused;
      if (h.type === "directory") {
        entry.resume();
        written(name, () => { ensureDir(name); chmodSync(abs, 0o755); });
      } else if (h.type === "file" || h.type === "contiguous-file") {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        const mode = (h.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
        const body = Buffer.concat(chunks);
        total += body.length;
        if (total > maxBytes) throw new ArchiveError(`archive holds more than the ${maxBytes} bytes allowed`);
        entries.push({ path: name, kind: "file", mode, size: body.length });
        hashes.set(name, sha256(body));
        written(name, () => {
          ensureDir(parentOf(name));
          // wx: never follow or replace something already there.
          writeFileSync(abs, body, { flag: "wx", mode });
          chmodSync(abs, mode);
        });
      } else if (h.type === "symlink") {
        const target = h.linkname ?? "";
        // A link replacing a directory that earlier writes went into could redirect them.
        if (parents.has(name)) throw new ArchiveError(`archive entry '${name}' is a symlink over a directory that earlier entries use`);
        if (target === "" || linkEscapes(name, target)) throw new ArchiveError(`archive entry '${name}' is a symlink pointing outside the directory ('${target}')`);
        links.add(name);
        entries.push({ path: name, kind: "symlink", mode: 0o777, linkTarget: target, size: 0 });
        entry.resume();
        written(name, () => { ensureDir(parentOf(name)); symlinkSync(target, abs); });
      } else {
        throw new ArchiveError(`archive entry '${name}' has unsupported type ${h.type ?? "unknown"}`);
      }
      await slice();
    }
  }
  // Checked once all are known: a later link can make an earlier one lead out, and nothing was
  // written through any of them.
  const linkTargets = new Map(entries.filter((e) => e.kind === "symlink").map((e) => [e.path, e.linkTarget ?? ""] as const));
  const [escaping] = await escapingLinks(linkTargets);
  if (escaping !== undefined) throw new ArchiveError(`archive entry '${escaping}' is a symlink that leads outside the directory through other links, loops, or takes too much work to follow ('${(linkTargets.get(escaping) ?? "").slice(0, 200)}')`);
  // Every directory made, listed or implied by a file's path, as readTree would list it.
  for (const dir of dirs) if (dir !== "") entries.push({ path: dir, kind: "dir", mode: 0o755, size: 0 });
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return { entries, hashes };
}

const BLOCK = 512;
const RECORD = 20 * BLOCK;

/**
 * The offset just past the two zero blocks that end a tar, found by walking its headers (each
 * followed by its data, rounded up to whole blocks); undefined when the data stops before them.
 */
function tarEnd(data: Buffer): number | undefined {
  let at = 0;
  while (at + BLOCK <= data.length) {
    const header = data.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) {
      const next = data.subarray(at + BLOCK, at + 2 * BLOCK);
      return next.length === BLOCK && next.every((b) => b === 0) ? at + 2 * BLOCK : undefined;
    }
    const size = entrySize(header.subarray(124, 136));
    if (size === undefined) return undefined;
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return undefined;
}

/** The size field of a header: octal text, or base-256 when its first byte has the high bit set. */
function entrySize(field: Buffer): number | undefined {
  if ((field[0] ?? 0) & 0x80) {
    let n = (field[0] ?? 0) & 0x7f;
    for (const b of field.subarray(1)) n = n * 256 + b;
    return n;
  }
  const text = field.toString("latin1").replace(/[\0 ]+$/, "").trim();
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

// Failures the archive's names cause; others (EACCES, ENOSPC) are this machine's and stay as they are.
const CLASHES = new Set(["EEXIST", "ENOTDIR", "EISDIR"]);

/** Runs an entry's writes; a clash with an earlier entry (`a` then `a/b`) refuses the archive. */
function skipped(): void {}

function writtenOrRefused(name: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENAMETOOLONG") throw new ArchiveError(`archive entry '${name.slice(0, 200)}' has a name or link target too long for the file system`, { cause: err });
    if (code !== undefined && CLASHES.has(code)) throw new ArchiveError(`archive entry '${name}' clashes with an earlier entry (${code})`, { cause: err });
    throw err;
  }
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i === -1 ? "" : rel.slice(0, i);
}

function checkName(raw: string): string {
  // `tar -C dir .` writes every name under `./`.
  const name = raw.replace(/^(\.\/+)+/, "").replace(/\/+$/, "");
  if (name === "" || name.includes("\0")) throw new ArchiveError(`archive entry has an invalid name '${raw.slice(0, 200)}'`);
  if (name.startsWith("/")) throw new ArchiveError(`archive entry '${raw}' has an absolute path`);
  const parts = name.split("/");
  if (parts.some((p) => p === ".." || p === "." || p === "")) throw new ArchiveError(`archive entry '${raw}' escapes the directory or is not normalized`);
  if (!nameWithinLimits(name)) throw new ArchiveError(`archive entry '${name.slice(0, 200)}...' is over ${MAX_NAME_BYTES} bytes or ${MAX_NAME_DEPTH} levels deep (${parts.length})`);
  return name;
}
