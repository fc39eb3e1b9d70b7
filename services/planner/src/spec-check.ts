import type { ProductSpec } from "@harness/contracts";

/** Problems that make a spec unusable even when it matches the schema; empty when it is sound. */
export function specProblems(spec: ProductSpec, maxSprints: number): string[] {
  const problems: string[] = [];
  const featureIds = new Set(spec.features.map((f) => f.id));
  if (featureIds.size !== spec.features.length) problems.push("feature ids must be unique");
  if (spec.sprints.length > maxSprints) problems.push(`the plan has ${spec.sprints.length} sprints; at most ${maxSprints} are allowed`);
  const covered = new Map<string, number>();
  spec.sprints.forEach((sprint, i) => {
    if (sprint.number !== i + 1) problems.push(`sprints must be numbered 1..n in order; sprint at position ${i + 1} is numbered ${sprint.number}`);
    for (const id of sprint.featureIds) {
      if (!featureIds.has(id)) problems.push(`sprint ${sprint.number} lists ${id}, which is not a feature`);
      if (covered.has(id)) problems.push(`${id} is in sprint ${covered.get(id)} and sprint ${sprint.number}; a feature belongs to one sprint`);
      covered.set(id, sprint.number);
    }
  });
  for (const f of spec.features) if (!covered.has(f.id)) problems.push(`feature ${f.id} ("${f.title}") belongs to no sprint`);
  return problems;
}
