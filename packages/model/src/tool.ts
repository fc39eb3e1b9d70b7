import { z } from "zod";
import type { ApiTool } from "./client.js";

/** A tool declared once with zod; its JSON Schema is what the API sees. */
export interface Tool<I = unknown> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  run(input: I, ctx?: { signal?: AbortSignal }): Promise<string>;
}

/*
 * A loop holds tools of different input types. `run` takes its input contravariantly, so no
 * single type parameter fits them all; each tool validates its own input before run() is called.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any>;

// Converting a zod schema costs ~1.6 ms; tools are declared once and called many times.
const converted = new WeakMap<z.ZodType, Record<string, unknown>>();

export function toApiTool(tool: { name: string; description: string; input: z.ZodType }): ApiTool {
  const cached = converted.get(tool.input);
  if (cached) return { name: tool.name, description: tool.description, input_schema: cached as ApiTool["input_schema"] };
  const schema = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete schema["$schema"];
  const inputSchema = { type: "object", ...schema };
  converted.set(tool.input, inputSchema);
  return { name: tool.name, description: tool.description, input_schema: inputSchema as ApiTool["input_schema"] };
}
