import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { EvaluationInterruptedError } from "../errors.js";
import { machineErrorCode } from "../interrupt.js";

/*
 * A contract's regular expressions and SQLite queries run in a worker thread with a time limit
 * and a heap limit, never on the evaluator's event loop: a pattern that backtracks
 * catastrophically (`(a+)+$`) or a recursive query without a bound would otherwise hang the
 * evaluator (its heartbeats, its other evaluations) for good. A worker that runs over is
 * terminated and a fresh one serves the next call; the check fails naming what ran over.
 */

/** Heap of the worker; SQLite's own allocations are bounded by its hard_heap_limit (below). */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };
export const SQLITE_HEAP_LIMIT_BYTES = 128 * 1024 * 1024;
const MAX_ROWS = 10_000;

/** Runs in the worker: CommonJS, no TypeScript, so it loads the same way under tsx, vitest and node. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
let sql;
const cell = (v) => (v instanceof Uint8Array ? "<" + v.length + " bytes>" : v);
async function query(m) {
  sql ??= await require(workerData.sqlJs)();
  let db;
  try { db = new sql.Database(m.bytes); } catch (e) { return { refused: "not a SQLite database: " + (e && e.message || e) }; }
  try {
    db.exec("PRAGMA query_only = ON");
    db.exec("PRAGMA hard_heap_limit = " + workerData.heapLimit);
    let count = 0;
    for (const s of db.iterateStatements(m.sql)) { count++; s.free(); }
    if (count !== 1) return { refused: "the query must be one statement, got " + count };
    const stmt = db.prepare(m.sql);
    const rows = [];
    while (rows.length < workerData.maxRows && stmt.step()) rows.push(Object.fromEntries(Object.entries(stmt.getAsObject()).map(([k, v]) => [k, cell(v)])));
    stmt.free();
    return { rows };
  } catch (e) {
    return { refused: "the query failed: " + (e && e.message || e) };
  } finally {
    db.close();
  }
}
parentPort.on("message", async (m) => {
  try {
    if (m.kind === "regex") parentPort.postMessage({ id: m.id, value: m.tests.map((t) => new RegExp(t.pattern, "m").test(t.text)) });
    else parentPort.postMessage({ id: m.id, value: await query(m) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

/** The pattern or query ran over its time or memory: the contract's doing, not the product's. */
export class BoundExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BoundExceededError";
  }
}

type Request = { kind: "regex"; tests: Array<{ pattern: string; text: string }> } | { kind: "sql"; bytes: Uint8Array; sql: string };
type QueryOutcome = { rows: unknown[] } | { refused: string };

let worker: Worker | undefined;
let online: Promise<void> | undefined;
let queue: Promise<unknown> = Promise.resolve();
let nextId = 0;

function start(): Promise<void> {
  const sqlJs = createRequire(import.meta.url).resolve("sql.js");
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlJs, heapLimit: SQLITE_HEAP_LIMIT_BYTES, maxRows: MAX_ROWS }, resourceLimits: RESOURCE_LIMITS });
  // Idle, it must not keep the evaluator (or a test) alive.
  w.unref();
  worker = w;
  // A worker that ends between calls is replaced by the next call, not posted to.
  w.once("exit", () => { if (worker === w) { worker = undefined; online = undefined; } });
  online = new Promise((resolve, reject) => { w.once("online", resolve); w.once("error", reject); });
  return online;
}

function stop(w: Worker): void {
  if (worker === w) { worker = undefined; online = undefined; }
  void w.terminate().catch(() => undefined);
}

/** One request to the worker, alone (calls are serialised), within `limitMs` of its own run time. */
async function call<T>(req: Request, limitMs: number, what: string): Promise<T> {
  const run = async (): Promise<T> => {
    if (!worker) await start().catch((err: unknown) => {
      worker = undefined;
      if (machineErrorCode(err)) throw new EvaluationInterruptedError(`no worker thread for ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      throw err;
    });
    else await online;
    const w = worker!;
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      const done = (fn: () => void) => { clearTimeout(timer); w.off("message", onMessage); w.off("error", onError); w.off("exit", onExit); fn(); };
      const timer = setTimeout(() => { stop(w); done(() => reject(new BoundExceededError(`${what} did not finish within ${limitMs / 1_000} s and was stopped`))); }, limitMs);
      const onMessage = (m: { id: number; value?: T; error?: string }) => {
        if (m.id !== id) return;
        done(() => (m.error !== undefined ? reject(new BoundExceededError(`${what} failed: ${m.error}`)) : resolve(m.value as T)));
      };
      const onError = (err: Error & { code?: string }) => {
        stop(w);
        done(() => reject(err.code === "ERR_WORKER_OUT_OF_MEMORY" ? new BoundExceededError(`${what} used more than the ${RESOURCE_LIMITS.maxOldGenerationSizeMb} MB of memory it may use and was stopped`) : err));
      };
      const onExit = () => { stop(w); done(() => reject(new BoundExceededError(`${what} ended its worker thread`))); };
      w.on("message", onMessage);
      w.once("error", onError);
      w.once("exit", onExit);
      w.postMessage({ id, ...req });
    });
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/** Whether each pattern (JavaScript, multiline) matches its text, all within `limitMs`. */
export function testPatterns(tests: Array<{ pattern: string; text: string }>, limitMs: number, what: string): Promise<boolean[]> {
  return call<boolean[]>({ kind: "regex", tests }, limitMs, what);
}

/** The rows of one read-only statement on a copy of a SQLite database, within `limitMs`. */
export function queryRows(bytes: Uint8Array, sql: string, limitMs: number, what: string): Promise<QueryOutcome> {
  return call<QueryOutcome>({ kind: "sql", bytes, sql }, limitMs, what);
}
