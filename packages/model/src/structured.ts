import type { ModelRole } from "@harness/contracts";
import { z } from "zod";
import type Anthropic from "@anthropic-ai/sdk";
import type { CallOptions, MessageParam, ModelClient } from "./client.js";
import { InvalidModelOutputError } from "./errors.js";
import { toApiTool } from "./tool.js";

export interface StructuredOptions<T> extends Omit<CallOptions, "messages" | "tools" | "toolChoice"> {
  role: ModelRole;
  /** Text, or content blocks when the prompt carries images (e.g. screenshots for a judge). */
  prompt: string | Anthropic.ContentBlockParam[];
  schema: z.ZodType<T>;
  toolName: string;
  toolDescription: string;
  /** Extra validation beyond the schema (e.g. "every feature belongs to a sprint"); return problems. */
  check?: (value: T) => string[];
  maxReasks?: number;
}

/**
 * Structured output through a forced tool call. Output that fails the schema or the check is
 * sent back with the validation error, a bounded number of times, then a typed error.
 */
export async function structured<T>(client: ModelClient, opts: StructuredOptions<T>): Promise<T> {
  const tool = toApiTool({ name: opts.toolName, description: opts.toolDescription, input: opts.schema });
  const messages: MessageParam[] = [{ role: "user", content: opts.prompt }];
  const maxReasks = opts.maxReasks ?? 2;
  let lastProblem = "";
  for (let attempt = 0; attempt <= maxReasks; attempt++) {
    const { message } = await client.call({ ...opts, messages, tools: [tool], toolChoice: { type: "tool", name: opts.toolName } });
    const use = message.content.find((b) => b.type === "tool_use" && b.name === opts.toolName);
    if (!use || use.type !== "tool_use") {
      lastProblem = `you must answer by calling the ${opts.toolName} tool`;
      messages.push({ role: "assistant", content: message.content }, { role: "user", content: lastProblem });
      continue;
    }
    const parsed = opts.schema.safeParse(use.input);
    const problems = parsed.success ? (opts.check?.(parsed.data) ?? []) : [z.prettifyError(parsed.error)];
    if (parsed.success && problems.length === 0) return parsed.data;
    lastProblem = problems.join("\n");
    messages.push(
      { role: "assistant", content: message.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, is_error: true, content: `Rejected, fix these problems and call ${opts.toolName} again:\n${lastProblem}` }] },
    );
  }
  throw new InvalidModelOutputError(`${opts.role} output was invalid after ${maxReasks + 1} attempts: ${lastProblem}`);
}
