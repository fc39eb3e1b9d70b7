import { z } from "zod";

/** A later contract's explicit retirement of an earlier sprint's accepted check: which one, and why. */
export const Retirement = z.object({
  sprint: z.number().int().min(1),
  checkId: z.string().min(1).max(64),
  reason: z.string().trim().min(1, "a retirement needs a reason").max(2_000),
});
export type Retirement = z.infer<typeof Retirement>;
