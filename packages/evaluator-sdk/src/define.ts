import { EvaluatorName, type EvaluationRequested, type Evidence } from "@harness/contracts";
import type { Logger } from "@harness/logger";
import type { CommandResult } from "@harness/workspace";
import { z } from "zod";
import { DefinitionError } from "./errors.js";

/** A criterion the evaluator promises to report on; one it forgets to report fails. */
export interface CriterionSpec {
  id: string;
  description: string;
  /** For scored criteria (0..10). Binary criteria need none. */
  threshold?: number;
}

/** One criterion as the evaluator reports it; the SDK turns it into a CriterionResult. */
export interface CriterionInput {
  id: string;
  description?: string;
  /** Binary criteria: did it hold. */
  passed?: boolean;
  /** Scored criteria: 0..10, passed when score >= threshold (computed by the SDK). */
  score?: number;
  threshold?: number;
  /** What was seen: a string is a note; give file/line, output or a response where you can. */
  evidence?: Array<string | Evidence>;
  /** What to fix, for the generator's next attempt. Defaults to the first piece of evidence. */
  feedback?: string;
  /** Default: `rubric` for a scored criterion, `custom` for a pass/fail one. */
  kind?: "command" | "http" | "browser" | "rubric" | "exploratory" | "custom";
}

export type EvaluationOutcome = CriterionInput[] | { criteria: CriterionInput[]; summary?: string; opinion?: string };

export interface RunCommandOptions { timeoutMs?: number; env?: Record<string, string> }

export interface EvaluationContext {
  /** The evaluator's own fresh copy of the artifact; removed when evaluate() returns. */
  dir: string;
  /** Files of the artifact, relative to `dir`, sorted. */
  files: string[];
  /** Reads a file of the artifact as text; undefined when it does not exist. Paths stay inside `dir`. */
  readFile(path: string): Promise<string | undefined>;
  /** Runs a shell command in `dir` with a scrubbed environment (no credentials) and a time limit. */
  run(command: string, opts?: RunCommandOptions): Promise<CommandResult>;
  logger: Logger;
  /** Aborted when the evaluation runs out of time. */
  signal: AbortSignal;
  /** Resets the work message's ack timer; the SDK already does this while evaluate() runs. */
  working(): void;
}

export interface EvaluatorDefinition {
  /** Subject token: work arrives on `harness.work.evaluate.<name>`. Lowercase letters, digits, '-'. */
  name: string;
  description: string;
  version?: string;
  criteria?: readonly CriterionSpec[];
  evaluate(req: EvaluationRequested, ctx: EvaluationContext): Promise<EvaluationOutcome>;
}

export type Evaluator = Readonly<EvaluatorDefinition & { version: string; criteria: readonly CriterionSpec[] }>;

const CriterionId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "criterion ids use letters, digits, '_', '.' or '-' (1-64 chars)");

/** Checks the definition once, at startup, so a typo fails the process rather than a run. */
export function defineEvaluator(def: EvaluatorDefinition): Evaluator {
  const name = EvaluatorName.safeParse(def.name);
  if (!name.success) throw new DefinitionError(`invalid evaluator name "${def.name}": ${z.prettifyError(name.error)}`);
  if (def.name === "core") throw new DefinitionError("\"core\" is the built-in evaluator; pick another name");
  const criteria = def.criteria ?? [];
  const seen = new Set<string>();
  for (const c of criteria) {
    const id = CriterionId.safeParse(c.id);
    if (!id.success) throw new DefinitionError(`criterion "${c.id}": ${z.prettifyError(id.error)}`);
    if (seen.has(c.id)) throw new DefinitionError(`criterion "${c.id}" is declared twice`);
    seen.add(c.id);
    if (c.threshold !== undefined && !(c.threshold >= 0 && c.threshold <= 10)) throw new DefinitionError(`criterion "${c.id}" threshold must be within 0..10`);
  }
  return Object.freeze({ ...def, version: def.version ?? "0.0.0", criteria: Object.freeze([...criteria]) });
}
