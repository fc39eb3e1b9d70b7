import { readFileSync } from "node:fs";
import type { PlanRequested } from "@harness/contracts";

export const SYSTEM_PROMPT = readFileSync(new URL("../prompts/system.md", import.meta.url), "utf8");

/** The planner's request, built fresh from the work message. */
export function planPrompt(p: PlanRequested["payload"]): string {
  const parts = [`## Product prompt\n${p.prompt}`, `## Limits\nPlan at most ${p.maxSprints} sprints.`];
  if (p.constraints) parts.push(`## Constraints from the user\n${p.constraints}`);
  if (p.revision) {
    parts.push(`## Revision\nA reviewer read version ${p.version - 1} of the spec and asked for changes. Produce version ${p.version}: keep what they did not object to, change what they asked.`);
    parts.push(`### Reviewer comments\n${p.revision.comments}`);
    parts.push(`### Previous spec\n${JSON.stringify(p.revision.previousSpec, null, 2)}`);
  }
  if (p.replanFrom && p.revision) {
    parts.push(`## Replanning from sprint ${p.replanFrom}\nSprints 1-${p.replanFrom - 1} are built and accepted: keep them exactly as they are. Sprint ${p.replanFrom} failed every build attempt (see the comments). Re-split the features of sprints ${p.replanFrom} and later into smaller sprints numbered from ${p.replanFrom}, each ending in something that runs, so the run can continue.`);
  }
  return parts.join("\n\n");
}
