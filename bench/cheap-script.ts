import type { ProductSpec, SprintContract } from "@harness/contracts";
import type { Script, ScriptRequest, StaticReply } from "@harness/scripted-model";

/*
 * The benchmarks' model: runs that cost the harness as little as a real run can. Every sprint's
 * build writes one small script and its contract has one command check that runs it and asserts
 * what it prints (a check that runs the product, so the evaluator's review rules accept it). Only the
 * model's latency is a parameter; everything else (workspaces, git, artifacts, checks) is real.
 */

export type BuildStep = "list" | "write" | "read";

export interface CheapScriptOptions {
  /** Every reply waits this long: the model's latency (a function to change it between runs). */
  latencyMs?: number | (() => number);
  /** Tool turns of a build before its final answer; default one write. */
  buildSteps?: readonly BuildStep[];
}

/** The prompt of a run with `sprints` sprints; `tag` only makes prompts distinct. */
export function cheapPrompt(sprints: number, tag: string): string {
  return `A tiny library of status files, one per sprint [sprints=${sprints}] [${tag}]`;
}

const pad = (n: number): string => String(n).padStart(2, "0");
const fileOf = (sprint: number): string => `s${pad(sprint)}.js`;

export function cheapSpec(sprints: number): ProductSpec {
  const numbers = Array.from({ length: sprints }, (_, i) => i + 1);
  return {
    title: "Status files",
    overview: "Each sprint adds one status script whose output the evaluator checks.",
    targetUsers: ["benchmarks"],
    features: numbers.map((n) => ({
      id: `F${n}`, title: `Status file ${pad(n)}`, userStory: `As a benchmark I read status file ${pad(n)}`,
      acceptanceCriteria: [{ id: `F${n}.1`, text: `node ${fileOf(n)} prints exactly the line ok` }],
    })),
    sprints: numbers.map((n) => ({ number: n, goal: `status script ${pad(n)} runs and says ok`, featureIds: [`F${n}`] })),
  };
}

export function cheapContract(sprint: number): SprintContract {
  return {
    sprint, summary: `status file ${pad(sprint)}`,
    deliverables: [{ id: "D1", description: `${fileOf(sprint)} printing the line ok`, featureIds: [`F${sprint}`] }],
    checks: [{
      id: "says-ok", kind: "command", description: `${fileOf(sprint)} says ok`, command: `node ${fileOf(sprint)}`,
      deliverableIds: ["D1"], criterionIds: [`F${sprint}.1`], expectExitCode: 0, expectOutput: [{ stream: "stdout", matches: "^ok$" }], timeoutMs: 30_000,
    }],
  };
}

function sprintOf(text: string, pattern: RegExp): number {
  return Number(pattern.exec(text)?.[1] ?? 1);
}

function buildReply(req: ScriptRequest, steps: readonly BuildStep[]): StaticReply {
  const sprint = sprintOf(req.allText, /## Sprint (\d+), attempt \d+/);
  const step = steps[req.turn];
  switch (step) {
    case "list": return { toolUse: [{ name: "list_files", input: {} }] };
    case "write": return { toolUse: [{ name: "write_file", input: { path: fileOf(sprint), content: "console.log(\"ok\");\n" } }] };
    case "read": return { toolUse: [{ name: "read_file", input: { path: fileOf(sprint) } }] };
    default: return { text: `sprint ${sprint} built: ${fileOf(sprint)} says ok` };
  }
}

export function cheapScript(opts: CheapScriptOptions = {}): Script {
  const steps = opts.buildSteps ?? ["write"];
  const latency = opts.latencyMs ?? 0;
  const timed = (reply: StaticReply): StaticReply => {
    const delayMs = typeof latency === "number" ? latency : latency();
    return delayMs > 0 ? { ...reply, delayMs } : reply;
  };
  return [
    {
      name: "plan", match: { role: "planner" },
      reply: (req) => timed({ toolUse: [{ name: "submit_spec", input: cheapSpec(sprintOf(req.allText, /\[sprints=(\d+)\]/)) }] }),
    },
    {
      name: "contract", match: { role: "generator", toolChoice: "propose_contract" },
      reply: (req) => timed({ toolUse: [{ name: "propose_contract", input: cheapContract(sprintOf(req.lastUserText, /contract for sprint (\d+)/)) }] }),
    },
    {
      name: "review", match: { role: "evaluator", toolChoice: "submit_review" },
      reply: () => timed({ toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "the check reads the file's content back" } }] }),
    },
    { name: "build", match: { role: "generator", hasTool: "write_file" }, reply: (req) => timed(buildReply(req, steps)) },
  ];
}
