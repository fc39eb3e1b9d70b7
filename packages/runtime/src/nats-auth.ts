import { readFileSync } from "node:fs";
import { ConfigError } from "./config.js";

/** The NATS keys of BaseEnv, as every service and the evaluator SDK read them. */
export interface NatsAuthEnv {
  NATS_USER?: string | undefined;
  NATS_PASSWORD?: string | undefined;
  NATS_PASSWORD_FILE?: string | undefined;
}

/**
 * The user and password to connect with: the password from `NATS_PASSWORD_FILE` when it is set
 * (a file only the service's user can read, so the secret never sits in an environment a child
 * process inherits or /proc shows), else `NATS_PASSWORD`. No user: connect anonymously (a server
 * without authorization). Read at connect time, so a rotated file is picked up on restart.
 */
export function natsAuth(env: NatsAuthEnv): { user: string; pass: string } | Record<string, never> {
  if (!env.NATS_USER) return {};
  if (env.NATS_PASSWORD_FILE) {
    let pass: string;
    try { pass = readFileSync(env.NATS_PASSWORD_FILE, "utf8").trim(); } catch (err) {
      throw new ConfigError(`NATS_PASSWORD_FILE: cannot read ${env.NATS_PASSWORD_FILE} (${err instanceof Error ? err.message : String(err)})`);
    }
    if (pass === "") throw new ConfigError(`NATS_PASSWORD_FILE: ${env.NATS_PASSWORD_FILE} is empty`);
    return { user: env.NATS_USER, pass };
  }
  return { user: env.NATS_USER, pass: env.NATS_PASSWORD ?? "" };
}
