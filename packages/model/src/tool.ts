import { z } from "zod";
import type { ApiTool } from "./client.js";

/** A tool declared once with zod; its JSON Schema is what the API sees. */
export interface Tool<I = unknown> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  run(input: I, ctx?: { signal?: AbortSignal }): Promise<string>;
}

export function toApiTool(tool: { name: string; description: string; input: z.ZodType }): ApiTool {
  const schema = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete schema["$schema"];
  return { name: tool.name, description: tool.description, input_schema: { type: "object", ...schema } as ApiTool["input_schema"] };
}
