import { join } from "node:path";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import tar from "tar-stream";
import { ArchiveError } from "./errors.js";
import { loopSlicer } from "./loop-slice.js";
import { realRoot } from "./paths.js";
import { readInside } from "./safe-open.js";
import { contentFiles, digestEntries, readTree, sha256, type TreeEntry, type TreeOptions } from "./tree.js";

export const DEFAULT_MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;
const EPOCH = new Date(0);

export interface SnapshotOptions extends TreeOptions {
  /** Refuse to archive more than this many bytes of file content. */
  maxBytes?: number;
}

export interface Snapshot {
  /** gzip-compressed tar, byte-identical for identical trees. */
  bytes: Uint8Array;
  /** sha256 hex of the working tree (see digestEntries); `.git` is archived but not digested. */
  digest: string;
  /** Working-tree files and links, sorted, without `.git`. */
  files: string[];
  /** Entries left out: links pointing outside the workspace, sockets, fifos. */
  skipped: string[];
}

/**
 * Archives the workspace. `.git` travels inside the archive so the next attempt continues the
 * same history, but the digest covers only the working tree: two attempts that produce the
 * same files have the same digest even though their commits differ.
 */
export async function snapshot(root: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const { entries, skipped } = await readTree(root, opts);
  const total = entries.reduce((n, e) => n + e.size, 0);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
  if (total > maxBytes) throw new ArchiveError(`workspace has ${total} bytes of files, over the ${maxBytes} byte snapshot limit; largest: ${largest(entries)}`);
  const hashes = new Map<string, string>();
  const tarBytes = await pack(root, entries, hashes);
  // Level 6 is zlib's default; the output is stable for a given zlib, which is all we need.
  const bytes = await promisify(gzip)(tarBytes, { level: 6 });
  return { bytes, digest: await digestEntries(root, entries, hashes), files: contentFiles(entries), skipped };
}

async function pack(root: string, entries: readonly TreeEntry[], hashes: Map<string, string>): Promise<Buffer> {
  const p = tar.pack();
  const base = realRoot(root);
  const chunks: Buffer[] = [];
  const collected = (async () => { for await (const c of p) chunks.push(c as Buffer); })();
  const slice = loopSlicer();
  for (const e of entries) {
    let data: Buffer | undefined;
    if (e.kind === "file") {
      try {
        data = readInside(root, join(base, e.path));
      } catch (err) {
        throw new ArchiveError(`'${e.path}' could not be read while the snapshot was taken (stop running processes first): ${(err as Error).message}`, { cause: err });
      }
      hashes.set(e.path, sha256(data));
    }
    const header: Partial<tar.Header> & { name: string } = { name: e.path, mode: e.mode, mtime: EPOCH, uid: 0, gid: 0, uname: "", gname: "" };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (e.kind === "dir") p.entry({ ...header, type: "directory" }, done);
      else if (e.kind === "symlink") p.entry({ ...header, type: "symlink", linkname: e.linkTarget ?? "" }, done);
      else p.entry({ ...header, type: "file" }, data ?? Buffer.alloc(0), done);
    });
    await slice();
  }
  p.finalize();
  await collected;
  return Buffer.concat(chunks);
}

function largest(entries: readonly TreeEntry[]): string {
  return [...entries].sort((a, b) => b.size - a.size).slice(0, 5).map((e) => `${e.path} (${e.size})`).join(", ");
}

export async function gunzipIfNeeded(bytes: Uint8Array, maxBytes: number): Promise<Buffer> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] !== 0x1f || buf[1] !== 0x8b) return buf;
  try {
    // Bounded so a crafted archive cannot inflate into all of memory.
    return await promisify(gunzip)(buf, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ArchiveError(`archive unpacks to a tar stream over ${maxBytes} bytes`, { cause: err });
    }
    throw new ArchiveError(`artifact is not a readable gzip archive: ${(err as Error).message}`, { cause: err });
  }
}
