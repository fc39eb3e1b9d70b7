import { createHash, randomUUID } from "node:crypto";
import { SCHEMA_VERSION, type Producer } from "@harness/contracts";

/** What a new message inherits from the message that caused it. */
export interface Cause { id: string | null; runId: string; sprint: number; attempt: number }

/**
 * Id of a message derived from its cause: a worker that redoes the same work after a crash
 * emits the same ids, so JetStream de-duplicates the publish and the supervisor's fold ignores it.
 */
export function derivedId(causeId: string, ...parts: Array<string | number>): string {
  return createHash("sha256").update([causeId, ...parts].join("\u0000")).digest("hex").slice(0, 40);
}

export function randomId(): string {
  return randomUUID().replaceAll("-", "");
}

export function envelope<T extends string, P>(
  type: T,
  payload: P,
  cause: Cause,
  producer: Producer,
  opts: { id?: string; sprint?: number; attempt?: number } = {},
) {
  return {
    id: opts.id ?? (cause.id ? derivedId(cause.id, type) : randomId()),
    schemaVersion: SCHEMA_VERSION,
    type,
    runId: cause.runId,
    sprint: opts.sprint ?? cause.sprint,
    attempt: opts.attempt ?? cause.attempt,
    causationId: cause.id,
    producer,
    time: new Date().toISOString(),
    payload,
  };
}
