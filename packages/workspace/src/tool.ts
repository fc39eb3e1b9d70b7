import { realpathSync } from "node:fs";
import { z } from "zod";
import { ERROR_CODES, ToolError } from "./errors.js";

export interface ToolContext { signal?: AbortSignal }

/**
 * A tool the model can call. `input` is a zod schema (the model layer turns it into JSON
 * Schema); `run` returns the text shown to the model and throws ToolError for a
 * model-visible failure.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tools of different inputs share one list
export interface WorkspaceTool<I = any> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  run(input: I, ctx?: ToolContext): Promise<string>;
}

/**
 * Validates input again and maps filesystem errors to ToolError, so every failure a model
 * can cause reaches it as text instead of aborting the build, whatever the model layer did.
 */
export function defineTool<I>(root: string, tool: WorkspaceTool<I>): WorkspaceTool<I> {
  return {
    ...tool,
    async run(raw: I, ctx?: ToolContext): Promise<string> {
      const parsed = tool.input.safeParse(raw);
      if (!parsed.success) {
        throw new ToolError(`invalid input for ${tool.name}: ${z.prettifyError(parsed.error)}`, ERROR_CODES.invalidInput);
      }
      try {
        return await tool.run(parsed.data, ctx);
      } catch (err) {
        throw toToolError(err, root);
      }
    },
  };
}

function toToolError(err: unknown, root: string): unknown {
  if (err instanceof ToolError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Error && typeof code === "string" && /^E[A-Z0-9_]+$/.test(code)) {
    // Absolute host paths mean nothing to the model and leak the layout of the machine.
    let message = err.message;
    for (const r of [realpathOr(root), root]) message = message.split(`${r}/`).join("").split(r).join(".");
    return new ToolError(message, code === "ENOENT" ? ERROR_CODES.notFound : ERROR_CODES.tool, { cause: err });
  }
  return err;
}

function realpathOr(path: string): string {
  try { return realpathSync(path); } catch { return path; }
}
