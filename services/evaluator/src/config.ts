import { BaseEnv, parseEnv } from "@harness/runtime";
import { EvaluatorName } from "@harness/contracts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseEnv({
    ...BaseEnv,
    ANTHROPIC_BASE_URL: z.url().optional(),
    EVALUATOR_NAME: EvaluatorName.default("core"),
    /** The built-in evaluator also reviews contracts; custom ones only evaluate. */
    EVALUATOR_REVIEWS_CONTRACTS: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
    EVALUATOR_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
    EVALUATOR_WORKDIR: z.string().default(join(tmpdir(), "harness-evaluator")),
    EVALUATOR_CHROMIUM: z.string().default("/usr/bin/chromium"),
    /** Restore each artifact's `.git` as well (for contract checks that read the repository's history). */
    EVALUATOR_RESTORE_GIT: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  }, env);
}
export type Config = ReturnType<typeof loadConfig>;
