import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { InvalidScriptError, ScriptLoadError } from "./errors.js";
import { RuleDocument, RuleList, type Script } from "./schema.js";

function formatPath(path: readonly PropertyKey[]): string {
  let out = "rules";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** One line per problem, each starting with the field's path (`rules[2].replies[0].toolUse`). */
export function describeIssues(error: z.ZodError, isList: boolean): string[] {
  return error.issues.map((issue) => {
    // The `{ rules }` form already has "rules" as its first key; the bare list form does not.
    const path = isList ? issue.path : issue.path.slice(1);
    const where = !isList && issue.path.length === 0 ? "script" : formatPath(path);
    return `${where}: ${issue.message}`;
  });
}

/**
 * Validates a script given as a value (objects in code may hold reply functions). Throws
 * InvalidScriptError naming every bad field.
 */
export function parseScript(value: unknown, source?: string): Script {
  const isList = Array.isArray(value);
  const result = isList ? RuleList.safeParse(value) : RuleDocument.safeParse(value);
  if (!result.success) throw new InvalidScriptError(describeIssues(result.error, isList), source);
  return result.data;
}

function looksLikePath(text: string): boolean {
  return !text.includes("\n") && (/\.(ya?ml|json)$/i.test(text.trim()) || existsSync(text));
}

/** Loads a script from a .json/.yaml/.yml path, or parses the argument itself as JSON/YAML text. */
export function loadScript(pathOrText: string): Script {
  let text = pathOrText;
  let source: string | undefined;
  if (looksLikePath(pathOrText)) {
    source = pathOrText.trim();
    try {
      text = readFileSync(source, "utf8");
    } catch (err) {
      throw new ScriptLoadError(`cannot read script file ${source}: ${(err as Error).message}`, { cause: err });
    }
  }
  let value: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both formats.
    value = parseYaml(text);
  } catch (err) {
    throw new ScriptLoadError(`script ${source ?? "text"} is not valid JSON/YAML: ${(err as Error).message}`, { cause: err });
  }
  return parseScript(value, source);
}
