import { PermanentError, RetryableError, type ArtifactStore } from "@harness/bus";
import { VerdictProduced, type EvaluationRequested, type Verdict } from "@harness/contracts";
import type { WorkContext } from "@harness/runtime";
import { withArtifact } from "./context.js";
import type { Evaluator } from "./define.js";
import { ArtifactMissingError, EvaluationTimeoutError, ResultError } from "./errors.js";
import { toVerdict } from "./verdict.js";

export interface HandleOptions {
  artifacts: Pick<ArtifactStore, "get">;
  workdir: string;
  timeoutMs: number;
}

/** Runs evaluate() on a fresh copy of the artifact, with a time limit it cannot ignore. */
export async function evaluateOnce(def: Evaluator, msg: EvaluationRequested, w: Pick<WorkContext<EvaluationRequested>, "logger" | "ctx">, opts: HandleOptions): Promise<Verdict> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { controller.abort(); reject(new EvaluationTimeoutError(opts.timeoutMs)); }, opts.timeoutMs);
  });
  try {
    const outcome = await withArtifact(opts.artifacts, msg.payload.artifact, opts.workdir, { logger: w.logger, signal: controller.signal, working: () => w.ctx.working() },
      (ctx) => Promise.race([def.evaluate(msg, ctx), timeout]));
    return toVerdict(def, outcome);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The work handler: evaluate, then publish the verdict with an id derived from the work id and
 * the evaluator's name, so a redelivered message publishes the same verdict id (de-duplicated
 * by JetStream, ignored by the supervisor's fold).
 */
export function verdictHandler(def: Evaluator, opts: HandleOptions, track: { enter(): void; leave(): void }) {
  return async (w: WorkContext<EvaluationRequested>): Promise<void> => {
    track.enter();
    try {
      const verdict = await evaluateOnce(def, w.msg, w, opts).catch((err: unknown) => {
        // Neither a bug in the evaluator's result nor a missing artifact gets better by retrying.
        if (err instanceof ResultError || err instanceof ArtifactMissingError) throw new PermanentError(`${def.name}: ${err.message}`, { cause: err });
        if (err instanceof EvaluationTimeoutError) throw new RetryableError(err.message, undefined, { cause: err });
        throw err;
      });
      w.logger.info({ passed: verdict.passed, summary: verdict.summary }, "verdict");
      await w.emit(VerdictProduced, "verdict.produced", { verdict }, { key: def.name });
    } finally {
      track.leave();
    }
  };
}
