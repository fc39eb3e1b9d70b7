import { z } from "zod";
import { Id, Role } from "./common.js";

export const SCHEMA_VERSION = 1 as const;

export const Producer = z.object({
  role: Role,
  /** Replica id (hostname/pod name + pid); for custom evaluators, the evaluator name. */
  instance: z.string().min(1).max(200),
});
export type Producer = z.infer<typeof Producer>;

/** Fields every message carries around its payload. */
export const EnvelopeBase = z.object({
  id: Id,
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: Id,
  /** 0 for run-level messages (plan, lifecycle); sprints count from 1. */
  sprint: z.number().int().min(0).max(1_000),
  /** 0 when not tied to a build attempt; attempts count from 1. */
  attempt: z.number().int().min(0).max(1_000),
  /** Id of the message that caused this one; null for a run's first message. */
  causationId: Id.nullable(),
  producer: Producer,
  time: z.iso.datetime(),
});
export type EnvelopeBase = z.infer<typeof EnvelopeBase>;

/** Builds one message schema: the envelope, a literal type tag and its payload. */
export function message<const T extends string, P extends z.ZodType>(type: T, payload: P) {
  return EnvelopeBase.extend({ type: z.literal(type), payload });
}
