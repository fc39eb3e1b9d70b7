import { z } from "zod";
import { hostname } from "node:os";

/** Environment shared by every service. */
export const BaseEnv = {
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  /** A file holding the password (preferred to NATS_PASSWORD: see nats-auth.ts). */
  NATS_PASSWORD_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HARNESS_INSTANCE: z.string().default(`${hostname()}-${process.pid}`),
  HARNESS_HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Create streams/consumers at start (idempotent); off where the role's NATS user may not. */
  HARNESS_PROVISION: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /** Ack wait of work consumers; long handlers send progress acks well within it. */
  HARNESS_ACK_WAIT_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
};

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(message: string) { super(message); this.name = "ConfigError"; }
}

/**
 * Parses the environment once against a strict schema of the keys the service reads;
 * a bad value throws naming the key. Unknown env vars are ignored (the env is shared).
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.output<z.ZodObject<S>>> {
  const schema = z.strictObject(shape);
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) if (env[key] !== undefined && env[key] !== "") picked[key] = env[key];
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  return Object.freeze(parsed.data);
}
