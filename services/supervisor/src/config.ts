import { BaseEnv, parseEnv } from "@harness/runtime";
import { z } from "zod";

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv({
    ...BaseEnv,
    HARNESS_API_TOKEN: z.string().min(8, "HARNESS_API_TOKEN must be at least 8 characters"),
    SUPERVISOR_HOST: z.string().default("0.0.0.0"),
    SUPERVISOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    SUPERVISOR_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    /** Evaluators whose consumers are provisioned up front (custom ones may add their own). */
    SUPERVISOR_EVALUATORS: z.string().default("core").transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
  }, env);
}
export type Config = ReturnType<typeof loadConfig>;
