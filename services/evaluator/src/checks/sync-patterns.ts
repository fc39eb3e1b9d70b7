import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";

/*
 * The review rules and the explorer's guard try contract and explorer patterns synchronously
 * (on sample outputs, on what the product showed). A pattern that backtracks catastrophically
 * (`(=|=)*!`, `(a|a)*$`: overlapping alternations a static check misses) would block the event
 * loop for hours, so every such trial runs here: in a worker thread, the caller waiting on a
 * shared counter with a time limit (Atomics.wait), the answer read with receiveMessageOnPort. A
 * trial that runs over stops the worker (a fresh one serves the next call) and throws
 * PatternOverrunError, which the caller turns into a refusal naming the check or the finding.
 */

/** How long one synchronous trial (a pattern on its texts) may run. */
export const SYNC_PATTERN_LIMIT_MS = 1_000;
/** How long a fresh worker may take to start on a loaded machine (not the pattern's fault). */
const START_LIMIT_MS = 30_000;
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 };

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, signal } = workerData;
const bump = () => { Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); };
port.on("message", (m) => {
  let reply;
  try { const re = new RegExp(m.pattern, m.flags); reply = { id: m.id, value: m.texts.some((t) => { re.lastIndex = 0; return re.test(t); }) }; }
  catch (e) { reply = { id: m.id, error: String(e && e.message || e) }; }
  port.postMessage(reply);
  bump();
});
port.postMessage({ ready: true });
bump();
`;

/** The pattern ran over its time (or its worker's memory) in a synchronous trial. */
export class PatternOverrunError extends Error {
  constructor(readonly pattern: string, readonly limitMs: number) {
    super(`the pattern /${pattern}/ did not finish within ${limitMs / 1_000} s: it backtracks catastrophically (overlapping alternatives or repetitions under a repetition, such as (a|a)* or (a+)+)`);
    this.name = "PatternOverrunError";
  }
}

interface Trial { worker: Worker; port: MessagePort; signal: Int32Array }

let current: Trial | undefined;
let nextId = 0;
const cache = new Map<string, boolean>();
const CACHE_MAX = 20_000;

/** The next message on `port` within `limitMs`, or undefined when none came in time. */
function receive(t: Trial, limitMs: number): Record<string, unknown> | undefined {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const seen = Atomics.load(t.signal, 0);
    const m = receiveMessageOnPort(t.port);
    if (m) return m.message as Record<string, unknown>;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    Atomics.wait(t.signal, 0, seen, left);
  }
}

function stop(t: Trial): void {
  if (current === t) current = undefined;
  t.port.close();
  void t.worker.terminate().catch(() => undefined);
}

function trial(): Trial {
  if (current) return current;
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, signal }, transferList: [port2], resourceLimits: RESOURCE_LIMITS });
  // Idle, it must not keep the evaluator (or a test) alive.
  worker.unref();
  const t: Trial = { worker, port: port1, signal };
  worker.once("exit", () => { if (current === t) current = undefined; });
  if (receive(t, START_LIMIT_MS)?.ready !== true) {
    stop(t);
    throw new Error(`no worker thread to try patterns in: it did not start within ${START_LIMIT_MS / 1_000} s`);
  }
  current = t;
  return t;
}

/**
 * Whether `pattern` (JavaScript, with `flags`) matches some of `texts`, decided within `limitMs`;
 * throws PatternOverrunError when it runs over. Compile errors are the caller's to find first
 * (compilePattern): here a pattern that does not compile matches nothing.
 */
export function matchesSomeBounded(pattern: string, texts: readonly string[], flags = "", limitMs = SYNC_PATTERN_LIMIT_MS): boolean {
  if (texts.length === 0) return false;
  const key = texts.length === 1 && texts[0]!.length < 4_096 ? `${flags}\u0000${pattern}\u0000${texts[0]}` : undefined;
  const hit = key === undefined ? undefined : cache.get(key);
  if (hit !== undefined) return hit;
  const t = trial();
  const id = ++nextId;
  t.port.postMessage({ id, pattern, flags, texts });
  for (;;) {
    const m = receive(t, limitMs);
    if (m === undefined) { stop(t); throw new PatternOverrunError(pattern, limitMs); }
    if (m.id !== id) continue;
    const value = m.error === undefined && m.value === true;
    if (key !== undefined) {
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(key, value);
    }
    return value;
  }
}
