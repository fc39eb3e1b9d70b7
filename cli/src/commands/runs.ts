import { mkdirSync, readdirSync, existsSync } from "node:fs";
import { restore } from "@harness/workspace";
import { apiTarget, CliError, download, request } from "../client.js";
import { clip, followRun } from "../follow.js";
import { judgeVerdict, verdictCounts } from "../progress.js";

interface RunSummary { id: string; status: string; reason: string; title?: string; currentSprint: number; sprints: number; costUsd: number; waitingFor?: string; createdAt: string }
interface RunView {
  id: string; status: string; reason: string; prompt: string; spec?: { title: string }; waitingFor: string; waitingOn?: string;
  usage: { costUsd: number; calls: number; inputTokens: number; outputTokens: number; cacheReadInputTokens: number };
  lastArtifact?: { name: string };
  final?: { status: string; attempts: unknown[]; costUsd: number };
  sprints: Array<{ number: number; status: string; attempts: Array<{ attempt: number; status: string; build?: { artifact: { name: string } } }> }>;
}

export interface RunFlags { sprints?: number; attempts?: number; finalAttempts?: number; budget?: number; evaluators?: string; model?: string[]; follow?: boolean; constraints?: string; gates?: string; noExplore?: boolean }

const GATES = { spec: "approveSpec", contracts: "approveContracts" } as const;

/** `--gates spec,contracts`: where the run waits for a person's approve (or revise). */
function gatesOf(list: string): Record<string, boolean> {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in GATES));
  if (unknown.length > 0 || names.length === 0) throw new CliError(`--gates takes spec and/or contracts, comma-separated (got "${list}")`, 2);
  return Object.fromEntries(Object.entries(GATES).map(([name, key]) => [key, names.includes(name)]));
}

/**
 * The run options the user gave, and nothing else: the API's schema fills every default, so
 * `--budget` sets the spend limit while the token and wall-clock limits keep theirs.
 */
export function runOptions(flags: RunFlags): Record<string, unknown> {
  const models: Record<string, { model: string }> = {};
  for (const m of flags.model ?? []) {
    const [role, id] = m.split("=");
    if (!role || !id) throw new CliError(`--model takes role=model-id (got "${m}")`, 2);
    models[role] = { model: id };
  }
  return {
    ...(flags.sprints ? { maxSprints: flags.sprints } : {}),
    ...(flags.attempts ? { maxAttemptsPerSprint: flags.attempts } : {}),
    ...(flags.finalAttempts ? { finalAttempts: flags.finalAttempts } : {}),
    ...(flags.budget ? { budget: { maxCostUsd: flags.budget } } : {}),
    ...(flags.evaluators ? { evaluators: flags.evaluators.split(",").map((s) => s.trim()) } : {}),
    ...(Object.keys(models).length ? { models } : {}),
    ...(flags.constraints ? { constraints: flags.constraints } : {}),
    ...(flags.gates ? { gates: gatesOf(flags.gates) } : {}),
    ...(flags.noExplore ? { explore: { enabled: false } } : {}),
  };
}

export async function runCommand(prompt: string, flags: RunFlags): Promise<number> {
  const target = apiTarget();
  const options = runOptions(flags);
  const { id } = await request<{ id: string }>(target, "POST", "/runs", { prompt, options });
  console.log(`run ${id} created · dashboard ${target.url}/#/runs/${id}`);
  if (!flags.follow) return 0;
  const status = await followRun(target, id);
  await printSummary(id);
  return status === "completed" ? 0 : 1;
}

/** Attaches to a run already going (or replays a finished one's story), as `run --follow` does. */
export async function followCommand(id: string): Promise<number> {
  const status = await followRun(apiTarget(), id);
  await printSummary(id);
  return status === "completed" ? 0 : 1;
}

const GATE_WAIT: Record<string, string> = { spec_approval: "waits for your approval of the spec", contract_approval: "waits for your approval of the contract" };

const GATE_HINT: Record<string, string> = {
  spec_approval: "your approval of the spec: pnpm harness approve {id}, or pnpm harness revise {id} --spec \"...\"",
  contract_approval: "your approval of the contract: pnpm harness approve {id}, or pnpm harness revise {id} --contract \"...\"",
};

/** `exportHint` off where the product has been exported already (the demo). */
export async function printSummary(id: string, exportHint = true): Promise<RunView> {
  const run = await request<RunView>(apiTarget(), "GET", `/runs/${id}`);
  const attempts = run.sprints.reduce((n, s) => n + s.attempts.length, 0);
  const gate = run.status === "paused" ? undefined : GATE_HINT[run.waitingFor];
  console.log([
    `\nrun ${run.id}: ${run.status.toUpperCase()}${run.reason ? ` (${run.reason})` : ""}`,
    ...(gate ? [`  waiting   ${gate.replaceAll("{id}", run.id)}`] : []),
    // An evaluator the run awaits has no live instance: nothing moves until one starts.
    ...(run.waitingOn ? [`  blocked   ${run.waitingOn}`] : []),
    `  product   ${run.spec?.title ?? "-"}`,
    `  sprints   ${run.sprints.filter((s) => s.status === "passed").length}/${run.sprints.length} passed, ${attempts} build attempts`,
    `  model     ${run.usage.calls} calls, ${run.usage.inputTokens + run.usage.cacheReadInputTokens} input / ${run.usage.outputTokens} output tokens, $${run.usage.costUsd.toFixed(4)}`,
    ...(run.final ? [`  final     acceptance ${run.final.status}, ${run.final.attempts.length} attempt(s), $${run.final.costUsd.toFixed(4)}`] : []),
    ...(run.lastArtifact ? [`  artifact  ${run.lastArtifact.name}${exportHint ? `  (pnpm harness export ${run.id} <dir>)` : ""}`] : []),
  ].join("\n"));
  return run;
}

export async function statusCommand(id?: string): Promise<number> {
  if (id) { await printSummary(id); return 0; }
  const { runs } = await request<{ runs: RunSummary[] }>(apiTarget(), "GET", "/runs?limit=50");
  if (runs.length === 0) { console.log("no runs yet: pnpm harness run \"<prompt>\" --follow"); return 0; }
  for (const r of runs) {
    const gate = r.status !== "paused" ? GATE_WAIT[r.waitingFor ?? ""] : undefined;
    console.log(`${r.id}  ${r.status.padEnd(10)} sprint ${r.currentSprint}/${r.sprints}  $${r.costUsd.toFixed(4)}  ${r.title ?? ""}${gate ? `  · ${gate}` : ""}`);
  }
  return 0;
}

interface LoggedEvent { seq: number; time: string; message: { type: string; sprint: number; attempt: number; producer: { role: string }; payload: Record<string, unknown> } }

/** One line of detail per event: enough to see why a run went where it did. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads are read loosely for display
export function eventDetail(type: string, p: Record<string, any>): string {
  switch (type) {
    case "spec.produced": return `v${p["version"]} "${p["spec"]?.title}"`;
    case "contract.proposed": return `round ${p["round"]}: ${p["contract"]?.checks?.length ?? 0} checks`;
    case "contract.reviewed": return `round ${p["round"]}: ${p["review"]?.approved ? "approved" : (p["review"]?.changeRequests ?? []).map((c: { request: string }) => c.request).join(" | ")}`;
    case "build.produced": return `${p["files"]?.length ?? 0} files ${p["artifact"]?.name ?? ""}`;
    case "verdict.produced": {
      const v = p["verdict"] ?? {};
      // Counted as the supervisor decides it (see progress.ts), not as the evaluator flagged it.
      const j = judgeVerdict({ evaluator: v.evaluator, passed: v.passed === true, criteria: v.criteria ?? [] });
      return `${v.evaluator}: ${verdictCounts(j)}${j.failed.map((c) => ` · ${c.checkId}: ${clip(String(c.feedback).split("\n")[0] ?? "", 240)}`).join("")}`;
    }
    case "usage.recorded": return `${p["role"]} ${p["model"]} $${Number(p["costUsd"]).toFixed(4)}`;
    case "usage.reserved": return `${p["role"]} ${p["model"]} reserved up to $${Number(p["worstCase"]?.costUsd).toFixed(4)}`;
    case "usage.released": return `released, never answered${p["reason"] ? `: ${p["reason"]}` : ""}`;
    case "work.progress": return `${p["role"]} still at ${p["work"]} after ${Math.round(Number(p["elapsedMs"]) / 1000)}s`;
    case "run.transition": return p["from"] === p["to"] ? `${String(p["decision"]).replaceAll("_", " ")}${p["reason"] ? `: ${p["reason"]}` : ""}` : `${p["from"]} -> ${p["to"]}${p["reason"] ? ` (${p["reason"]})` : ""}`;
    case "work.failed": case "budget.exceeded": return String(p["reason"] ?? p["detail"] ?? "");
    case "run.control": return `${p["action"]}${p["comment"] ? `: ${p["comment"]}` : ""}`;
    default: return "";
  }
}

export async function logsCommand(id: string): Promise<number> {
  const { events } = await request<{ events: LoggedEvent[] }>(apiTarget(), "GET", `/runs/${id}/events`);
  for (const e of events) {
    const m = e.message;
    console.log(`${String(e.seq).padStart(6)} ${e.time} ${m.producer.role.padEnd(10)} s${m.sprint}a${m.attempt} ${m.type.padEnd(18)} ${eventDetail(m.type, m.payload)}`);
  }
  return 0;
}

/** The run's latest artifact, restored as a git repository (one commit per build attempt). */
export async function exportCommand(id: string, dir: string): Promise<number> {
  const target = apiTarget();
  const run = await request<RunView>(target, "GET", `/runs/${id}`);
  const latest = run.lastArtifact ?? [...run.sprints].reverse().flatMap((s) => [...s.attempts].reverse()).find((a) => a.build)?.build?.artifact;
  if (!latest) throw new CliError(`run ${id} has no artifact yet`, 4);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`${dir} is not empty`, 2);
  mkdirSync(dir, { recursive: true });
  const bytes = await download(target, `/runs/${id}/artifacts/${latest.name}`);
  const { files } = await restore(bytes, dir);
  console.log(`exported ${files.length} files of run ${id} to ${dir} (git log there shows each build attempt)`);
  return 0;
}
