import { DeterministicCheck, type AttemptState, type CriterionResult, type RegressionSet, type RunState, type SprintContract, type SprintState } from "@harness/contracts";

/**
 * The accepted checks a sprint's evaluation re-runs: every earlier accepted sprint's set, less
 * the checks its own agreed contract retires. Empty sets are left out.
 */
export function regressionFor(s: RunState, sprint: SprintState): RegressionSet[] {
  const retire = sprint.contract?.retire ?? [];
  return s.accepted
    .filter((set) => set.sprint < sprint.number)
    .map((set) => ({ ...set, checks: set.checks.filter((c) => !retire.some((r) => r.sprint === set.sprint && r.checkId === c.id)) }))
    .filter((set) => set.checks.length > 0);
}

/** Earlier sprints' accepted sets, as the review sees them (what `retire` may name). */
export function acceptedBefore(s: RunState, sprintNumber: number): RegressionSet[] {
  return s.accepted.filter((set) => set.sprint < sprintNumber);
}

/**
 * A sprint just passed: its regression set joins the run's, and the retirements its contract
 * made become permanent. The set is its contract's deterministic checks and the reproductions of
 * exploratory findings confirmed in any of its attempts (a defect once found stays fixed).
 */
export function acceptSprint(s: RunState, sprint: SprintState): void {
  const contract = sprint.contract;
  if (!contract) return;
  for (const r of contract.retire ?? []) {
    const set = s.accepted.find((x) => x.sprint === r.sprint);
    if (!set?.checks.some((c) => c.id === r.checkId)) continue;
    s.retired = [...s.retired, { ...r, by: sprint.number }];
  }
  const retired = (setSprint: number, id: string) => (contract.retire ?? []).some((r) => r.sprint === setSprint && r.checkId === id);
  const earlier = s.accepted
    .filter((x) => x.sprint !== sprint.number)
    .map((x) => ({ ...x, checks: x.checks.filter((c) => !retired(x.sprint, c.id)) }));
  s.accepted = [...earlier, setOf(contract, sprint.attempts)];
}

function setOf(contract: SprintContract, attempts: readonly AttemptState[]): RegressionSet {
  const checks = contract.checks.flatMap((c) => { const d = DeterministicCheck.safeParse(c); return d.success ? [d.data] : []; });
  const ids = new Set(checks.map((c) => c.id));
  for (const found of attempts.flatMap((a) => Object.values(a.verdicts)).flatMap((v) => v.criteria).filter(confirmedFinding)) {
    const repro = DeterministicCheck.safeParse(found.reproduction);
    if (!repro.success) continue;
    // Found again in a later attempt: one copy. A reproduction id that clashes with a check gets a suffix.
    if (checks.some((c) => sameSteps(c, repro.data))) continue;
    let id = repro.data.id;
    for (let n = 2; ids.has(id); n++) id = `${repro.data.id.slice(0, 60)}-${n}`;
    ids.add(id);
    checks.push({ ...repro.data, id });
  }
  const install = contract.installCommand ?? contract.app?.installCommand;
  return { sprint: contract.sprint, checks, ...(install ? { installCommand: install } : {}), ...(contract.app ? { app: contract.app } : {}) };
}

/** A confirmed exploratory finding: only those fail a verdict, so only those carry a trusted reproduction. */
function confirmedFinding(c: CriterionResult): boolean {
  return c.kind === "exploratory" && !c.passed;
}

function sameSteps(a: DeterministicCheck, b: DeterministicCheck): boolean {
  const { id: _a, description: _da, ...ra } = a;
  const { id: _b, description: _db, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb);
}
