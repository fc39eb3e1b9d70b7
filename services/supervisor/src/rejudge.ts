import type { Bus } from "@harness/bus";
import { JOB_ID_PREFIX, JobOptions, JobState, type CreateRejudgementRequest, type JobInput, type JobVariant, type RunState } from "@harness/contracts";
import { randomId } from "@harness/runtime";
import { finalArtifact, finalContract, finalRegression } from "./final.js";
import { compactVerdict, dispatch, emptyUsage, jobItems } from "./jobs.js";
import { regressionFor } from "./regression.js";
import { specExcerpt } from "./steps.js";

/**
 * A re-judgement of a finished run: every build it stored (each sprint attempt, and the final
 * acceptance's as sprint 0), or one sprint's, judged again by the evaluators as they are now,
 * with the work each got in the run (spec excerpt, contract, regression sets, exploration
 * options). Only the artifact store and the run's state are read: its workspaces may be gone.
 * A build whose snapshot retention removed is named in `missing`, not judged.
 */
export async function rejudgementOf(bus: Pick<Bus, "artifacts">, s: RunState, req: CreateRejudgementRequest, now: string): Promise<JobState> {
  const inputs: JobInput[] = [];
  const variants: JobVariant[] = [];
  const missing: JobState["missing"] = [];
  const add = async (input: JobInput, sprint: number, attempt: number, artifact: { name: string; digest: string; size: number } | undefined, verdicts: Record<string, Parameters<typeof compactVerdict>[0]>) => {
    if (!artifact) return;
    const name = sprint === 0 ? `final acceptance attempt ${attempt}` : `sprint ${sprint} attempt ${attempt}`;
    if (!(await bus.artifacts.has(artifact.name))) { missing.push({ name, artifact: artifact.name }); return; }
    let index = inputs.indexOf(input);
    if (index < 0) index = inputs.push(input) - 1;
    const original = Object.fromEntries(Object.entries(verdicts).map(([e, v]) => [e, compactVerdict(v)]));
    variants.push({ name, input: index, artifact, failing: [], origin: { sprint, attempt }, original });
  };
  for (const sprint of s.sprints) {
    if (!sprint.contract || (req.sprint !== undefined && req.sprint !== sprint.number)) continue;
    const earlier = new Set((s.spec?.sprints ?? []).filter((p) => p.number < sprint.number).flatMap((p) => p.featureIds));
    const input: JobInput = {
      specExcerpt: specExcerpt(s, sprint), contract: sprint.contract, regression: regressionFor(s, sprint), scope: "sprint",
      explore: { ...s.options.explore, earlierFeatures: (s.spec?.features ?? []).filter((f) => earlier.has(f.id) && !specExcerpt(s, sprint).features.some((x) => x.id === f.id)) },
    };
    for (const a of sprint.attempts) await add(input, sprint.number, a.attempt, a.build?.artifact, a.verdicts);
  }
  const contract = finalContract(s);
  if (s.final && contract && (req.sprint === undefined || req.sprint === 0)) {
    const input: JobInput = {
      specExcerpt: { title: s.spec?.title ?? "", overview: s.spec?.overview ?? "", features: s.spec?.features ?? [] },
      contract, regression: finalRegression(s), scope: "final", explore: { ...s.options.explore, earlierFeatures: [] },
    };
    for (const a of s.final.attempts) await add(input, 0, a.attempt, finalArtifact(s, a), a.verdicts);
  }
  const id = `${JOB_ID_PREFIX.rejudgement}${randomId().slice(0, 24)}`;
  const options = JobOptions.parse({
    evaluators: req.evaluators ?? s.options.evaluators, repeat: 1, concurrency: req.concurrency,
    budget: { ...s.options.budget, ...req.budget }, models: s.options.models, rubric: "judged",
  });
  const job = JobState.parse({
    id, kind: "rejudgement", status: "running", runId: s.id, createdAt: now, updatedAt: now, options, inputs, variants, missing,
    items: jobItems(id, variants.length, options.evaluators, 1), usage: emptyUsage(),
  });
  dispatch(job, now);
  return job;
}
