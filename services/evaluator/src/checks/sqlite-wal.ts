/**
 * Folds a SQLite write-ahead log into a copy of its database file. An app in WAL mode (the
 * usual advice for better-sqlite3) keeps its latest writes in `<db>-wal` until a checkpoint, and
 * sql.js cannot read a WAL (no shared memory in WASM): without this a data check would read
 * data older than what the app already answered with. Format: https://sqlite.org/fileformat.html
 * (section 4); only committed frames of the log's current generation (salts and checksum chain
 * intact) are applied, as SQLite's own recovery does.
 */
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

function checksum(bytes: Uint8Array, bigEndian: boolean, s: [number, number]): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let [s0, s1] = s;
  for (let i = 0; i + 8 <= bytes.length; i += 8) {
    s0 = (s0 + view.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

export function applyWal(db: Uint8Array, wal: Uint8Array): Uint8Array {
  if (wal.length < WAL_HEADER) return db;
  const h = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = h.getUint32(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return db;
  const bigEndian = magic === 0x377f0683;
  const pageSize = h.getUint32(8);
  let sum = checksum(wal.subarray(0, 24), bigEndian, [0, 0]);
  if (sum[0] !== h.getUint32(24) || sum[1] !== h.getUint32(28) || pageSize < 512) return db;
  const salt = [h.getUint32(16), h.getUint32(20)];
  const pending = new Map<number, Uint8Array>();
  const committed = new Map<number, Uint8Array>();
  let pages = 0;
  for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) {
    const pgno = h.getUint32(at);
    const commitSize = h.getUint32(at + 4);
    if (h.getUint32(at + 8) !== salt[0] || h.getUint32(at + 12) !== salt[1]) break;
    const page = wal.subarray(at + FRAME_HEADER, at + FRAME_HEADER + pageSize);
    sum = checksum(page, bigEndian, checksum(wal.subarray(at, at + 8), bigEndian, sum));
    if (sum[0] !== h.getUint32(at + 16) || sum[1] !== h.getUint32(at + 20)) break;
    pending.set(pgno, page);
    if (commitSize > 0) {
      for (const [n, p] of pending) committed.set(n, p);
      pending.clear();
      pages = commitSize;
    }
  }
  if (committed.size === 0) return db;
  const out = new Uint8Array(pages * pageSize);
  out.set(db.subarray(0, Math.min(db.length, out.length)));
  for (const [n, p] of committed) if (n <= pages) out.set(p, (n - 1) * pageSize);
  // Bytes 18-19 say "WAL mode"; the copy has its log folded in and is read as a plain file.
  out[18] = 1;
  out[19] = 1;
  return out;
}
