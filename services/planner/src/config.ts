import { BaseEnv, parseEnv } from "@harness/runtime";
import { z } from "zod";

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv({
    ...BaseEnv,
    ANTHROPIC_BASE_URL: z.url().optional(),
    PLANNER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    PLANNER_MAX_REASKS: z.coerce.number().int().min(0).max(5).default(2),
  }, env);
}
export type Config = ReturnType<typeof loadConfig>;
