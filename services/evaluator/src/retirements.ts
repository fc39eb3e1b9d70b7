import type { RegressionSet, SprintContract } from "@harness/contracts";

/**
 * The review's code rule for `retire`: a contract may stop an earlier sprint's accepted check
 * from being re-run only by naming one that exists (sprint and check id among the accepted
 * sets the review was sent, none of this sprint's own) with a reason, once each. Anything else
 * is sent back, whatever the model reviewer says: a retirement is how a later sprint could
 * quietly drop what an earlier one proved.
 */
export function retirementProblems(contract: SprintContract, accepted: readonly RegressionSet[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of contract.retire ?? []) {
    const name = `retirement of sprint ${r.sprint}'s check ${r.checkId}`;
    const key = `${r.sprint}/${r.checkId}`;
    if (seen.has(key)) problems.push(`${name} is listed twice: list it once`);
    seen.add(key);
    if (r.sprint >= contract.sprint) { problems.push(`${name}: only an earlier sprint's accepted check can be retired (this is sprint ${contract.sprint})`); continue; }
    const set = accepted.find((s) => s.sprint === r.sprint);
    if (!set) { problems.push(`${name}: sprint ${r.sprint} has no accepted checks; remove it`); continue; }
    if (!set.checks.some((c) => c.id === r.checkId)) {
      problems.push(`${name}: sprint ${r.sprint} has no accepted check ${r.checkId} (its accepted checks: ${set.checks.map((c) => c.id).join(", ") || "none"}); name one of them or remove it`);
    }
    if (r.reason.trim().length < 10) problems.push(`${name}: say why the check no longer holds (which change of this sprint makes it wrong)`);
  }
  return problems;
}
