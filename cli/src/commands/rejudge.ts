import { apiTarget, CliError, request } from "../client.js";

export interface RejudgeFlags { api?: string; token?: string; evaluators?: string; sprint?: number; pollMs?: number; out?: (line: string) => void }

interface Comparison { checkId: string; kind: string; original: boolean | null; now: boolean | null; agree: boolean; feedback: string }
interface AttemptReport {
  sprint: number; attempt: number; evaluator: string; status: string; failure?: string; disagreements: number;
  original: { passed: boolean } | null; now: { passed: boolean } | null; criteria: Comparison[];
}
export interface RejudgementView {
  id: string; runId: string; status: string; reason: string; usage: { costUsd: number }; createdAt: string; finishedAt?: string;
  report: { disagreements: number; attempts: AttemptReport[]; missing: Array<{ name: string; artifact: string }> };
}

const word = (v: boolean | null | undefined) => (v === null || v === undefined ? "-" : v ? "pass" : "FAIL");

/** What a re-judgement found, disagreements first; the run's own verdicts stay as they were. */
export function printRejudgement(view: RejudgementView, out: (line: string) => void): void {
  const r = view.report;
  for (const m of r.missing) out(`missing: ${m.name}: its snapshot ${m.artifact} is no longer in the artifact store (retention); not judged`);
  for (const a of r.attempts) {
    const where = a.sprint === 0 ? `final acceptance attempt ${a.attempt}` : `sprint ${a.sprint} attempt ${a.attempt}`;
    const head = `${where} (${a.evaluator}): was ${word(a.original?.passed)}, now ${a.status === "judged" ? word(a.now?.passed) : `${a.status}${a.failure ? `: ${a.failure}` : ""}`}`;
    out(`${head}${a.disagreements > 0 ? `  ${a.disagreements} criteria changed` : ""}`);
    for (const c of a.criteria.filter((x) => !x.agree)) out(`  ${c.checkId}: was ${word(c.original)}, now ${word(c.now)}${c.feedback ? `: ${c.feedback.replace(/\s+/g, " ").slice(0, 160)}` : ""}`);
  }
  const seconds = ((Date.parse(view.finishedAt ?? new Date().toISOString()) - Date.parse(view.createdAt)) / 1000).toFixed(1);
  out(`re-judgement ${view.id} of run ${view.runId} ${view.status}${view.reason ? ` (${view.reason})` : ""}: ${r.disagreements} criteria changed, ${r.missing.length} builds missing, ${seconds} s, $${view.usage.costUsd.toFixed(4)} (charged to the re-judgement, not the run)`);
}

/** `harness rejudge <run-id>`: judges a finished run's stored builds again and prints what changed. */
export async function rejudgeCommand(runId: string, flags: RejudgeFlags = {}): Promise<number> {
  const out = flags.out ?? ((line: string) => console.log(line));
  const api = flags.api ? { url: flags.api.replace(/\/$/, ""), token: flags.token ?? process.env["HARNESS_API_TOKEN"] } : apiTarget();
  const evaluators = flags.evaluators?.split(",").map((s) => s.trim()).filter(Boolean);
  const body = { ...(evaluators ? { evaluators } : {}), ...(flags.sprint !== undefined ? { sprint: flags.sprint } : {}) };
  const { id, evaluations } = await request<{ id: string; evaluations: number }>(api, "POST", `/runs/${encodeURIComponent(runId)}/rejudgements`, body);
  out(`re-judgement ${id}: ${evaluations} evaluations of run ${runId}`);
  let view: RejudgementView;
  for (;;) {
    view = await request<RejudgementView>(api, "GET", `/rejudgements/${id}`);
    if (view.status !== "running") break;
    await new Promise((r) => setTimeout(r, flags.pollMs ?? 1_000));
  }
  printRejudgement(view, out);
  if (view.status !== "completed") throw new CliError(`re-judgement ${id} ${view.status}: ${view.reason}`, 1);
  return 0;
}
