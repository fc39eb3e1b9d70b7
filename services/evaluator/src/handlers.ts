import { rm } from "node:fs/promises";
import { PermanentError, RetryableError } from "@harness/bus";
import { ContractReview, ContractReviewed, VerdictProduced, WORK_FAILED_CODES, WorkFailed, type EvaluationRequested, type ReviewRequested } from "@harness/contracts";
import { structured, type ModelClient } from "@harness/model";
import { releaseWorkspace } from "@harness/workspace";
import type { WorkContext } from "@harness/runtime";
import { ArtifactMissingError, EvaluationInterruptedError } from "./errors.js";
import { evaluateIn, evaluationDir, type EvaluateDeps } from "./evaluate.js";
import { contractProblems } from "./review-rules.js";
import { retirementProblems } from "./retirements.js";

export interface EvaluatorDeps extends EvaluateDeps {
  model: ModelClient;
  reviewSystem: string;
  /** Aborted when the service starts to drain: evaluations under way are released, not judged. */
  stopping?: AbortSignal;
}

/** An interrupted evaluation is offered again soon: to a restarted evaluator or to another replica. */
const INTERRUPTED_RETRY_MS = 1_000;

export function createHandlers(deps: EvaluatorDeps) {
  return {
    /** review.requested -> contract.reviewed. Code rules always apply; the model adds judgement. */
    async review(w: WorkContext<ReviewRequested>): Promise<void> {
      const { contract, specExcerpt, round, maxRounds, accepted } = w.msg.payload;
      const problems = [...contractProblems(contract, specExcerpt.features), ...retirementProblems(contract, accepted)];
      const prompt = [
        `## Product\n${specExcerpt.title}: ${specExcerpt.overview}`,
        `## Features this sprint must deliver\n${JSON.stringify(specExcerpt.features, null, 2)}`,
        `## Proposed contract (round ${round} of at most ${maxRounds})\n${JSON.stringify(contract, null, 2)}`,
        ...(contract.retire?.length ? [`## Earlier sprints' accepted checks (what \`retire\` may name; a retired check is no longer re-run)\n${JSON.stringify(accepted, null, 2)}`] : []),
        ...(problems.length > 0 ? [`## Problems already found by the rules (they will be sent back regardless)\n${problems.map((p) => `- ${p}`).join("\n")}`] : []),
      ].join("\n\n");
      const judged = await structured(deps.model, {
        role: "evaluator", system: deps.reviewSystem, prompt, schema: ContractReview, toolName: "submit_review",
        toolDescription: "Approve the contract or request changes", budget: w.budget, models: w.models, onUsage: w.recordUsage,
      });
      const review = {
        approved: judged.approved && problems.length === 0,
        changeRequests: [...problems.map((request) => ({ target: "rules", request })), ...judged.changeRequests],
        comments: judged.comments,
      };
      w.logger.info({ approved: review.approved, requests: review.changeRequests.length, round }, "contract reviewed");
      await w.emit(ContractReviewed, "contract.reviewed", { review, round, evaluator: deps.name });
    },

    /** evaluation.requested -> verdict.produced */
    async evaluate(w: WorkContext<EvaluationRequested>): Promise<void> {
      const dir = await evaluationDir(deps, w.msg);
      try {
        const verdict = await evaluateIn(dir, deps, w.msg, { budget: w.budget, models: w.models, onUsage: w.recordUsage, working: () => w.ctx.working(), ...(deps.stopping ? { signal: deps.stopping } : {}) }).catch((err: unknown) => {
          // Redelivery cannot bring a missing artifact back: fail the work now, with the reason.
          if (err instanceof ArtifactMissingError) throw new PermanentError(err.message, { cause: err });
          // Cut short by the evaluator itself: no verdict; the work goes back for another go.
          if (err instanceof EvaluationInterruptedError) {
            if (w.ctx.deliveryCount < w.ctx.maxDeliver) {
              w.logger.warn({ err: err.message }, "evaluation interrupted; released for redelivery");
              throw new RetryableError(err.message, INTERRUPTED_RETRY_MS, { cause: err });
            }
            return err;
          }
          throw err;
        });
        if (verdict instanceof EvaluationInterruptedError) {
          // The last delivery, interrupted too: redelivery is over, and a generic "gave up" would
          // fail the run as if the work were bad. Said for what it is, the supervisor pauses the
          // run and holds the evaluation for a resume; no verdict, no attempt spent.
          const reason = `the evaluator was interrupted on every delivery (${w.ctx.deliveryCount} of ${w.ctx.maxDeliver}), so it reached no verdict on the product; last: ${verdict.message}`;
          w.logger.error({ err: verdict.message }, "evaluation interrupted on its last delivery; reported, no verdict");
          await w.emit(WorkFailed, "work.failed", { role: "evaluator", work: "evaluation.requested", evaluator: deps.name, reason: reason.slice(0, 10_000), code: WORK_FAILED_CODES.evaluationInterrupted }, { key: deps.name });
          return;
        }
        w.logger.info({ passed: verdict.passed, summary: verdict.summary }, "verdict");
        await w.emit(VerdictProduced, "verdict.produced", { verdict }, { key: deps.name });
      } finally {
        // After the verdict is out: the next step of the run need not wait for the delete.
        releaseWorkspace(dir);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
