import { ProductSpec, SpecProduced, type PlanRequested } from "@harness/contracts";
import { structured, type ModelClient } from "@harness/model";
import type { WorkContext } from "@harness/runtime";
import { planPrompt, SYSTEM_PROMPT } from "./prompt.js";
import { specProblems } from "./spec-check.js";

export interface PlannerDeps { model: ModelClient; maxReasks: number }

export function createHandlers(deps: PlannerDeps) {
  return {
    /** plan.requested -> spec.produced (or work.failed after the bounded re-asks). */
    async plan(w: WorkContext<PlanRequested>): Promise<void> {
      const p = w.msg.payload;
      const spec = await structured(deps.model, {
        role: "planner",
        system: SYSTEM_PROMPT,
        prompt: planPrompt(p),
        schema: ProductSpec,
        toolName: "submit_spec",
        toolDescription: "Submit the product spec",
        check: (s) => specProblems(s, p.maxSprints),
        maxReasks: deps.maxReasks,
        budget: w.budget,
        models: w.models,
        onUsage: w.recordUsage,
      });
      w.logger.info({ features: spec.features.length, sprints: spec.sprints.length, version: p.version }, "spec produced");
      await w.emit(SpecProduced, "spec.produced", { spec, version: p.version });
    },
  };
}
