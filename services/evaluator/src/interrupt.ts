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
