import { z } from "zod";
import { BrowserCheck, CommandCheck, DataCheck, HttpCheck } from "./checks.js";
import { AppRuntime } from "./contract.js";

/** The checks code can re-run without a judge: what regression and final acceptance re-run. */
export const DeterministicCheck = z.discriminatedUnion("kind", [CommandCheck, HttpCheck, BrowserCheck, DataCheck]);
export type DeterministicCheck = z.infer<typeof DeterministicCheck>;

/**
 * An accepted sprint's regression set: its contract's deterministic checks (less those a later
 * contract retired) and the reproductions of exploratory findings confirmed during its attempts,
 * with how that sprint's contract installed and started the product (used when the contract
 * under evaluation gives no start of its own).
 */
export const RegressionSet = z.object({
  sprint: z.number().int().min(1),
  checks: z.array(DeterministicCheck),
  installCommand: z.string().max(4_000).optional(),
  app: AppRuntime.optional(),
});
export type RegressionSet = z.infer<typeof RegressionSet>;
