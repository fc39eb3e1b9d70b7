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
  return parts.join("\n\n");
}
