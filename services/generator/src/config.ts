import { BaseEnv, parseEnv } from "@harness/runtime";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv({
    ...BaseEnv,
    ANTHROPIC_BASE_URL: z.url().optional(),
    GENERATOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    GENERATOR_WORKDIR: z.string().default(join(tmpdir(), "harness-generator")),
    GENERATOR_MAX_TURNS: z.coerce.number().int().min(1).max(1_000).default(80),
    GENERATOR_CONTEXT_LIMIT_TOKENS: z.coerce.number().int().min(1_000).default(150_000),
    GENERATOR_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(300_000),
  }, env);
}
export type Config = ReturnType<typeof loadConfig>;
