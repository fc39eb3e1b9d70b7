import { EvaluationInterruptedError } from "./errors.js";

/**
 * Errors that say the machine, not the product, refused: no process slot, no memory, no file
 * descriptor. A check that met one proved nothing about the product.
 */
const MACHINE_ERRORS = /\b(EAGAIN|ENOMEM|EMFILE|ENFILE)\b/;

export function isMachineFailure(message: string): boolean {
  return MACHINE_ERRORS.test(message);
}

/** Between (and after) checks: once the evaluator is stopping, nothing more it finds is a verdict. */
export function throwIfStopping(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EvaluationInterruptedError("the evaluator is stopping", { cause: signal.reason });
}

const MACHINE_CODES = new Set(["EAGAIN", "ENOMEM", "EMFILE", "ENFILE"]);

/** The machine's error code (EMFILE...) in `err` or its causes, if the machine refused. */
export function machineErrorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur !== null && typeof cur === "object"; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && MACHINE_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Rethrows a host resource error (no file descriptor, no memory, no process slot) met by check
 * `id` as an interruption: the check proved nothing about the product, the work is redelivered.
 */
export function throwIfMachine(err: unknown, id: string, what: string): void {
  const code = machineErrorCode(err);
  if (code) throw new EvaluationInterruptedError(`check ${id} could not ${what}: the machine refused (${code}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
