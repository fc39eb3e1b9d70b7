import { BaseEnv, parseEnv, secretFromEnv } from "@harness/runtime";
import { z } from "zod";
import { DEFAULT_BODY_LIMIT } from "./app.js";
import { DEFAULT_EVALUATOR_WAIT_MS } from "./missing-evaluators.js";
import { DEFAULT_RUN_CACHE_MB } from "./run-cache.js";
import { DEFAULT_STALL_AFTER_MS, DEFAULT_WATCHDOG_INTERVAL_MS } from "./watchdog.js";

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  // From HARNESS_API_TOKEN_FILE when set (a secret file: nothing in the environment), else HARNESS_API_TOKEN.
  const token = secretFromEnv(env, "HARNESS_API_TOKEN");
  return parseEnv({
    ...BaseEnv,
    HARNESS_API_TOKEN: z.string().min(8, "HARNESS_API_TOKEN must be at least 8 characters"),
    SUPERVISOR_HOST: z.string().default("0.0.0.0"),
    SUPERVISOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    SUPERVISOR_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    SUPERVISOR_BODY_LIMIT: z.coerce.number().int().min(1_024).max(16 * 1024 * 1024).default(DEFAULT_BODY_LIMIT),
    /** Evaluators whose consumers are provisioned up front (custom ones may add their own). */
    /** Reads (runs, events, artifacts, services, dead letters) need the bearer token too; off, only mutating routes do. */
    SUPERVISOR_READ_AUTH: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    SUPERVISOR_EVALUATORS: z.string().default("core").transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
    /** A run waiting on work with no event for this long is re-dispatched once, then paused. */
    SUPERVISOR_STALL_MS: z.coerce.number().int().min(100).default(DEFAULT_STALL_AFTER_MS),
    /** A run waiting this long (no progress) for a verdict of an evaluator with no live instance fails; 0 keeps it waiting. */
    SUPERVISOR_EVALUATOR_WAIT_MS: z.coerce.number().int().min(0).default(DEFAULT_EVALUATOR_WAIT_MS),
    SUPERVISOR_WATCHDOG_INTERVAL_MS: z.coerce.number().int().min(50).default(DEFAULT_WATCHDOG_INTERVAL_MS),
    /** Stored JSON of active runs kept parsed (see RunCache); 0 turns the cache off. */
    SUPERVISOR_RUN_CACHE_MB: z.coerce.number().min(0).max(4_096).default(DEFAULT_RUN_CACHE_MB),
  }, { ...env, ...(token !== undefined ? { HARNESS_API_TOKEN: token } : {}) });
}
export type Config = ReturnType<typeof loadConfig>;
