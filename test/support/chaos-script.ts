import type { RecordedRequest, Rule, Script, ScriptRequest } from "@harness/scripted-model";
import { tinyProgramScript, tinySpec } from "./tiny-program.js";

/*
 * The tiny program's script, with one change: the planner puts the run's tag (from the prompt)
 * into the spec title. Every later request of the run quotes the title, so each model request
 * can be attributed to its run by content alone.
 */

const TAG = /\bcx-[a-z0-9]+\b/;

export function tagOf(text: string): string | undefined {
  return TAG.exec(text)?.[0];
}

export function requestTag(r: RecordedRequest): string | undefined {
  return tagOf(JSON.stringify(r.body ?? ""));
}

export type RunKind = "completes" | "max-attempts";

export interface RunPlan { tag: string; kind: RunKind; prompt: string; options: Record<string, unknown> }

export function runPlan(tag: string, kind: RunKind): RunPlan {
  return kind === "completes"
    ? { tag, kind, prompt: `A calculator library with add and multiply [${tag}]`, options: { maxAttemptsPerSprint: 3 } }
    : { tag, kind, prompt: `A library whose build never passes [${tag}]`, options: { maxAttemptsPerSprint: 2 } };
}

function planReply(req: ScriptRequest) {
  const tag = tagOf(req.allText) ?? "untagged";
  const broken = req.allText.includes("never passes");
  return { toolUse: [{ name: "submit_spec", input: tinySpec(`${broken ? "Broken" : "Calc"} ${tag}`, broken ? 1 : 2) }] };
}

export function chaosScript(): Script {
  const base = tinyProgramScript();
  const rules: Rule[] = Array.isArray(base) ? base : base.rules;
  return [
    { name: "plan-tagged", match: { role: "planner" }, reply: planReply },
    ...rules.filter((r) => r.name !== "plan" && r.name !== "plan-broken"),
  ];
}

/**
 * Requests the model answered in full: each one is a call the run must be charged for. A
 * malformed tool input is a complete answer (the model's mistake, still billed); a cut stream is not.
 */
export function answered(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.path === "/v1/messages" && r.status === 200 && (r.fault === null || r.fault === "malformed_tool_input"));
}

export function responseId(r: RecordedRequest): string | undefined {
  const id = (r.response as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}
