import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { CriterionResult, DataCheck, Evidence } from "@harness/contracts";
import { resolveInside } from "@harness/workspace";
import type { SqlJsStatic, SqlValue } from "sql.js";
import { jsonFailures } from "./json-assert.js";
import { throwIfMachine } from "../interrupt.js";
import { applyWal } from "./sqlite-wal.js";

const EXCERPT_CHARS = 3_000;
const MAX_ROWS = 10_000;
/** A store larger than this is not read: the evaluator holds the whole file (and a copy) in memory. */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;

let sqlJs: Promise<SqlJsStatic> | undefined;

/** sql.js (SQLite built to WASM) is loaded on the first SQLite data check only. */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= import("sql.js").then((m) => m.default());
  return sqlJs;
}

class DataReadError extends Error {}

function excerpt(text: string): string {
  return text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}\n[... ${text.length - EXCERPT_CHARS} more chars]`;
}

/** Only a single SELECT (or WITH ... SELECT): a data check reads, it never changes the data. */
function readOnlyQuery(query: string | undefined): string {
  if (query === undefined || query.trim() === "") throw new DataReadError("a sqlite data check needs a `query` (a SELECT) whose rows it asserts on");
  const body = query.trim().replace(/;\s*$/, "");
  const start = body.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, "");
  if (!/^(select|with)\b/i.test(start)) throw new DataReadError(`the query must be a SELECT (or WITH ... SELECT), got ${JSON.stringify(start.slice(0, 60))}`);
  return body;
}

function cell(v: SqlValue): unknown {
  return v instanceof Uint8Array ? `<${v.length} bytes>` : v;
}

/** `file` inside the product (relative, no `..`, no symlink out), or a DataReadError. */
function inside(dir: string, file: string): string {
  try {
    return resolveInside(dir, file);
  } catch (err) {
    throw new DataReadError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Reads a regular file of at most MAX_DATA_BYTES. The open does not block (a FIFO the product
 * made where its store should be would otherwise hang the read for good), and anything but a
 * regular file (FIFO, device, directory, socket) fails the check.
 */
async function readRegular(path: string, file: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch((err: unknown) => { throw unreadable(file, err); });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new DataReadError(`${file} is not a regular file`);
    if (st.size > MAX_DATA_BYTES) throw new DataReadError(`${file} is ${st.size} bytes, more than the ${MAX_DATA_BYTES} a data check reads`);
    const buf = Buffer.alloc(st.size);
    let at = 0;
    while (at < st.size) {
      const { bytesRead } = await handle.read(buf, at, st.size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buf.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/** The `-wal` beside a SQLite file, read with the same rules as the file; none when absent. */
async function readWal(dir: string, file: string): Promise<Buffer | undefined> {
  const path = inside(dir, `${file}-wal`);
  return readRegular(path, `${file}-wal`).catch((err: unknown) => {
    if (err instanceof DataReadError && err.message.endsWith("does not exist: the product stored nothing there")) return undefined;
    throw err;
  });
}

/** The rows of `query` on a copy of the file (its WAL folded in), as objects by column name. */
async function sqliteRows(dir: string, file: string, query: string | undefined): Promise<unknown[]> {
  const sql = readOnlyQuery(query);
  const SQL = await loadSqlJs();
  const main = await readRegular(inside(dir, file), file);
  const wal = await readWal(dir, file);
  let db;
  try {
    db = new SQL.Database(wal ? applyWal(main, wal) : main);
  } catch (err) {
    throw new DataReadError(`not a SQLite database: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    // Belt and braces: the copy is in memory anyway, but a query that writes is refused, not run.
    db.exec("PRAGMA query_only = ON");
    // The iterator frees each statement when it moves on: count them, then prepare the one.
    let count = 0;
    for (const s of db.iterateStatements(sql)) { count++; s.free(); }
    if (count !== 1) throw new DataReadError(`the query must be one statement, got ${count}`);
    const stmt = db.prepare(sql);
    const rows: unknown[] = [];
    while (stmt.step() && rows.length < MAX_ROWS) rows.push(Object.fromEntries(Object.entries(stmt.getAsObject()).map(([k, v]) => [k, cell(v)])));
    stmt.free();
    return rows;
  } catch (err) {
    if (err instanceof DataReadError) throw err;
    throw new DataReadError(`the query failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    db.close();
  }
}

function unreadable(file: string, err: unknown): DataReadError {
  const code = (err as { code?: unknown }).code;
  // The cause is kept: a host resource error (EMFILE...) is the machine's, not the product's.
  return new DataReadError(code === "ENOENT" ? `${file} does not exist: the product stored nothing there` : `${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

async function read(dir: string, check: DataCheck): Promise<{ doc: unknown; shown: string }> {
  // Relative, no `..`, no symlink out: a check reads the product's own files only.
  const path = inside(dir, check.file);
  if (check.format === "sqlite") {
    const rows = await sqliteRows(dir, check.file, check.query).catch((err: unknown) => { throw err instanceof DataReadError ? err : unreadable(check.file, err); });
    return { doc: rows, shown: `${check.query ?? ""}\n-> ${rows.length} row(s)\n${JSON.stringify(rows, null, 1)}` };
  }
  const text = (await readRegular(path, check.file)).toString("utf8");
  try {
    return { doc: JSON.parse(text) as unknown, shown: text };
  } catch (err) {
    throw new DataReadError(`${check.file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Reads what the product stored (a JSON file, or the rows of a query on a SQLite file) in the
 * evaluator's own copy of the product, after the checks before it ran against the app, and
 * asserts on it: a judge of stored data, not only of pages.
 */
export async function runDataCheck(dir: string, check: DataCheck): Promise<CriterionResult> {
  const failures: string[] = [];
  let evidence: Evidence;
  try {
    const { doc, shown } = await read(dir, check).catch((err: unknown) => {
      throwIfMachine(err, check.id, `read ${check.file}`);
      throw err;
    });
    failures.push(...jsonFailures(check.json, doc));
    evidence = { kind: "data", summary: `read ${check.file}${check.format === "sqlite" ? " (SQLite)" : ""}`, detail: excerpt(shown), location: check.file };
  } catch (err) {
    if (!(err instanceof DataReadError)) throw err;
    failures.push(err.message);
    evidence = { kind: "data", summary: `could not read ${check.file}`, detail: err.message, location: check.file };
  }
  const passed = failures.length === 0;
  return {
    checkId: check.id, kind: "data", description: check.description, score: passed ? 10 : 0, threshold: 10, passed,
    evidence: [evidence], feedback: passed ? "passed" : `data in ${check.file}: ${failures.join("; ")}`,
  };
}
