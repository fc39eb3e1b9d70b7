import type { TokenUsage } from "@harness/contracts";
import { z } from "zod";

/** Dollars per million tokens. */
export const Price = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheWrite: z.number().nonnegative(),
  cacheRead: z.number().nonnegative(),
});
export type Price = z.infer<typeof Price>;
export const PriceTable = z.record(z.string(), Price);
export type PriceTable = z.infer<typeof PriceTable>;

const tier = (input: number, output: number): Price => ({ input, output, cacheWrite: input * 1.25, cacheRead: input * 0.1 });

/**
 * List prices by model family; override per deployment with HARNESS_MODEL_PRICES (JSON).
 * A model is priced by the longest key that prefixes its id.
 */
export const DEFAULT_PRICES: PriceTable = {
  "claude-opus": tier(5, 25),
  "claude-sonnet": tier(3, 15),
  "claude-haiku": tier(1, 5),
  scripted: tier(3, 15),
};

export function priceFor(model: string, table: PriceTable): Price {
  let best: [string, Price] | undefined;
  for (const [key, price] of Object.entries(table)) {
    if (model.startsWith(key) && (!best || key.length > best[0].length)) best = [key, price];
  }
  return best?.[1] ?? tier(15, 75); // unknown models are charged high so budgets fail closed
}

export function costOf(usage: TokenUsage, price: Price): number {
  const perToken = (n: number, perMillion: number) => (n * perMillion) / 1_000_000;
  return perToken(usage.inputTokens, price.input) + perToken(usage.outputTokens, price.output)
    + perToken(usage.cacheCreationInputTokens, price.cacheWrite) + perToken(usage.cacheReadInputTokens, price.cacheRead);
}
