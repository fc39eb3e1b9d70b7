import { readFileSync } from "node:fs";
import type { BuildRequested, ContractRequested, Verdict } from "@harness/contracts";

export const CONTRACT_SYSTEM = readFileSync(new URL("../prompts/contract.md", import.meta.url), "utf8");
export const BUILD_SYSTEM = readFileSync(new URL("../prompts/build.md", import.meta.url), "utf8");

export function contractPrompt(p: ContractRequested["payload"], sprint: number): string {
  const features = p.spec.features.filter((f) => p.sprintPlan.featureIds.includes(f.id));
  const parts = [
    `## Product\n${p.spec.title}: ${p.spec.overview}`,
    `## Sprint ${sprint} goal\n${p.sprintPlan.goal}`,
    `## Features in this sprint\n${JSON.stringify(features, null, 2)}`,
    // Coverage is counted per criterion: the list is what the review will hold the contract to.
    `## Acceptance criteria to cover (name each in the criterionIds of a behavioural check)\n${features.flatMap((f) => f.acceptanceCriteria.map((a) => `- ${a.id}: ${a.text}`)).join("\n")}`,
  ];
  if (p.spec.designLanguage) parts.push(`## Design language\n${p.spec.designLanguage}`);
  if (p.previous) {
    parts.push(`## Your previous proposal (round ${p.round - 1})\n${JSON.stringify(p.previous.contract, null, 2)}`);
    // A human at the contract gate sends theirs the same way; the review's comments say whose they are.
    parts.push(`## Change requests on it\n${p.previous.review.changeRequests.map((c) => `- [${c.target}] ${c.request}`).join("\n")}\n${p.previous.review.comments}`);
  }
  parts.push(`Propose the contract for sprint ${sprint} (set "sprint": ${sprint}).`);
  return parts.join("\n\n");
}

/** Failing criteria only, with their evidence: what failed, why, where. */
export function feedbackText(verdicts: Verdict[]): string {
  const lines: string[] = [];
  for (const v of verdicts) {
    for (const c of v.criteria.filter((x) => !x.passed)) {
      lines.push(`### FAILED ${c.checkId} (${c.kind}, evaluator ${v.evaluator}): score ${c.score}/${c.threshold}\n${c.description}\nFeedback: ${c.feedback}`);
      for (const e of c.evidence) lines.push(`Evidence (${e.kind}): ${e.summary}${e.location ? ` at ${e.location}` : ""}${e.detail ? `\n\`\`\`\n${e.detail}\n\`\`\`` : ""}`);
    }
  }
  return lines.join("\n");
}

/**
 * The sprint's features come from the plan as well as from the contract: a feature the contract
 * left out is still the sprint's to deliver, and the builder should see it rather than never
 * learn of it.
 */
export function buildPrompt(p: BuildRequested["payload"], sprint: number, attempt: number): string {
  const planned = p.spec.sprints.find((s) => s.number === sprint)?.featureIds ?? [];
  const named = (id: string) => p.contract.deliverables.some((d) => d.featureIds.includes(id));
  const features = p.spec.features.filter((f) => planned.includes(f.id) || named(f.id));
  const unnamed = features.filter((f) => !named(f.id)).map((f) => f.id);
  const parts = [
    `## Product\n${p.spec.title}: ${p.spec.overview}`,
    ...(p.spec.designLanguage ? [`## Design language\n${p.spec.designLanguage}`] : []),
    `## Sprint ${sprint}, attempt ${attempt}: the agreed contract\n${JSON.stringify(p.contract, null, 2)}`,
    ...(features.length > 0 ? [`## Features this sprint delivers\n${JSON.stringify(features, null, 2)}`] : []),
    ...(unnamed.length > 0 ? [`Planned for this sprint but named by no deliverable of the contract: ${unnamed.join(", ")}. Build them too.`] : []),
  ];
  if (p.feedback.length > 0) parts.push(`## The previous attempt failed evaluation. Fix these:\n${feedbackText(p.feedback)}`);
  if (p.previousNotes) parts.push(`## Notes from the previous attempt\n${p.previousNotes}`);
  parts.push("Build it now in the workspace.");
  return parts.join("\n\n");
}
