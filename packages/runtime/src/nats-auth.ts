import { readFileSync } from "node:fs";
import { rememberSecrets } from "@harness/logger";
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
  return { user: env.NATS_USER, pass: secretFromEnv(env as Record<string, string | undefined>, "NATS_PASSWORD") ?? "" };
}

/**
 * A secret the way every service takes one: from the file `<name>_FILE` names when it is set (a
 * file only the service's user can read, as Kubernetes and compose mount secrets, so the secret
 * is in no environment a child process inherits or /proc shows), else from `<name>` itself.
 * Undefined when neither is set; a named file that cannot be read or is empty is a ConfigError.
 * Read when called, so a rotated file is picked up on restart.
 */
export function secretFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    let value: string;
    try { value = readFileSync(file, "utf8").trim(); } catch (err) {
      throw new ConfigError(`${name}_FILE: cannot read ${file} (${err instanceof Error ? err.message : String(err)})`);
    }
    if (value === "") throw new ConfigError(`${name}_FILE: ${file} is empty`);
    // Logs redact it like a secret read from the environment.
    rememberSecrets([value]);
    return value;
  }
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}
