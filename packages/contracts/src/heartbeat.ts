import { z } from "zod";
import { Role } from "./common.js";

/** Published on core NATS every few seconds by every replica and custom evaluator. */
export const ServiceHeartbeat = z.object({
  type: z.literal("service.heartbeat"),
  schemaVersion: z.literal(1),
  role: Role,
  /** For evaluators: the evaluator name they serve (`core` for the built-in one). */
  name: z.string().min(1).max(100),
  instance: z.string().min(1).max(200),
  version: z.string().max(100),
  /** Messages being handled right now. */
  inFlight: z.number().int().nonnegative(),
  capacity: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  time: z.iso.datetime(),
});
export type ServiceHeartbeat = z.infer<typeof ServiceHeartbeat>;
