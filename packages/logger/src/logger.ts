import { pino, type Logger } from "pino";

export type { Logger };

/** Environment variables whose values must never reach logs, events, artifacts or tool commands. */
export const SECRET_ENV_KEYS = ["ANTHROPIC_API_KEY", "HARNESS_API_TOKEN", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS", "NATS_NKEY"] as const;

const REDACT_PATHS = [
  "authorization", "*.authorization", "headers.authorization", "req.headers.authorization",
  "apiKey", "*.apiKey", "token", "*.token", "password", "*.password", "pass", "*.pass",
  "x-api-key", "*.x-api-key", "headers[\"x-api-key\"]",
];

// Secrets stay known to redaction after they are removed from the environment.
const remembered = new Set<string>();

/** Registers secret values to redact from free text (e.g. before they leave process.env). */
export function rememberSecrets(values: Iterable<string>): void {
  for (const v of values) if (v.length >= 8) remembered.add(v);
}

function secretValues(): string[] {
  rememberSecrets(SECRET_ENV_KEYS.map((k) => process.env[k]).filter((v): v is string => typeof v === "string"));
  return [...remembered];
}

/** Replaces any known secret value found in free text. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of secretValues()) out = out.split(secret).join("[REDACTED]");
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, "$1[REDACTED]");
}

/**
 * pino JSON to stdout bound to `service`. Structured secret keys are redacted by path, and
 * string fields are scrubbed of secret values, since messages can quote error texts.
 */
export function createLogger(service: string, opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? process.env["LOG_LEVEL"] ?? "info",
    base: { service },
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === "string" ? redactText(a) : a));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    formatters: {
      log(obj) {
        const err = obj["err"];
        if (err instanceof Error) {
          return { ...obj, err: { type: err.name, message: redactText(err.message), stack: err.stack ? redactText(err.stack) : undefined, code: (err as { code?: unknown }).code } };
        }
        return obj;
      },
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
