import { closeSync, constants, fstatSync, readSync } from "node:fs";
import type { CriterionResult, DataCheck, Evidence } from "@harness/contracts";
import { openInside, resolveInside } from "@harness/workspace";
import { jsonDepthProblem, jsonFailures } from "./json-assert.js";
import { throwIfMachine } from "../interrupt.js";
import { BoundExceededError, queryRows } from "./bounded.js";
import { withBoundedPatterns } from "./patterns.js";
import { applyWal } from "./sqlite-wal.js";

const EXCERPT_CHARS = 3_000;
/** How long a SQLite data check's query may run (in the bounded worker). */
export const QUERY_LIMIT_MS = 10_000;
/** A store larger than this is not read: the evaluator holds the whole file (and a copy) in memory. */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;

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
async function readRegular(dir: string, path: string, file: string): Promise<Buffer> {
  // Opened one folder at a time through descriptors, never following a link: the product's server
  // may still run and swap a folder for a symlink after `inside` checked the path.
  let fd: number;
  try {
    fd = openInside(dir, path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw unreadable(file, err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new DataReadError(`${file} is not a regular file`);
    if (st.nlink > 1) throw new DataReadError(`${file} is hard-linked elsewhere: a data check reads only the product's own files`);
    if (st.size > MAX_DATA_BYTES) throw new DataReadError(`${file} is ${st.size} bytes, more than the ${MAX_DATA_BYTES} a data check reads`);
    const buf = Buffer.alloc(st.size);
    let at = 0;
    while (at < st.size) {
      const n = readSync(fd, buf, at, st.size - at, at);
      if (n === 0) break;
      at += n;
    }
    return buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** The `-wal` beside a SQLite file, read with the same rules as the file; none when absent. */
async function readWal(dir: string, file: string): Promise<Buffer | undefined> {
  const path = inside(dir, `${file}-wal`);
  return readRegular(dir, path, `${file}-wal`).catch((err: unknown) => {
    if (err instanceof DataReadError && err.message.endsWith("does not exist: the product stored nothing there")) return undefined;
    throw err;
  });
}

/** The rows of `query` on a copy of the file (its WAL folded in), as objects by column name. */
async function sqliteRows(dir: string, file: string, query: string | undefined, checkId: string): Promise<unknown[]> {
  const sql = readOnlyQuery(query);
  const main = await readRegular(dir, inside(dir, file), file);
  const wal = await readWal(dir, file);
  // In the bounded worker: a recursive query without a bound must not hang the evaluator.
  const out = await queryRows(wal ? applyWal(main, wal) : main, sql, QUERY_LIMIT_MS, `check ${checkId}'s query`).catch((err: unknown) => {
    if (!(err instanceof BoundExceededError)) throw err;
    throw new DataReadError(`${err.message}: a query that runs without bound (a WITH RECURSIVE with no LIMIT or stop condition) is the contract's fault, not the product's; bound it`);
  });
  if ("refused" in out) throw new DataReadError(out.refused);
  return out.rows;
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
    const rows = await sqliteRows(dir, check.file, check.query, check.id).catch((err: unknown) => { throw err instanceof DataReadError ? err : unreadable(check.file, err); });
    return { doc: rows, shown: `${check.query ?? ""}\n-> ${rows.length} row(s)\n${JSON.stringify(rows, null, 1)}` };
  }
  const text = (await readRegular(dir, path, check.file)).toString("utf8");
  const deep = jsonDepthProblem(text, check.file);
  if (deep) throw new DataReadError(deep);
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
    failures.push(...await withBoundedPatterns(check.id, (m) => jsonFailures(check.json, doc, m)).catch((err: unknown) => {
      // What the product stored is walked recursively: a RangeError (stack, string length) is its data's doing, never a crash of the evaluation.
      if (err instanceof RangeError) throw new DataReadError(`${check.file} could not be judged: ${err.message}`);
      throw err;
    }));
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
