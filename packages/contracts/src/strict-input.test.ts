import { describe, expect, it } from "vitest";
import { z } from "zod";
import { RunOptions } from "./run.js";
import { strictInput } from "./strict-input.js";

describe("strictInput", () => {
  it("refuses an unknown key at any depth, naming where, and leaves the original schema tolerant", () => {
    const strict = strictInput(RunOptions.partial());
    const body = { maxSprint: 1, budget: { maxCost: 1 }, models: { generator: { modle: "m" } }, gates: { approveSpecs: true } };
    const issues = strict.safeParse(body).error?.issues.map((i) => `${i.path.join(".")}: ${"keys" in i ? i.keys.join(",") : i.code}`);
    expect(issues?.sort()).toEqual(["", "budget", "gates", "models.generator"].map((p, i) => `${p}: ${["maxSprint", "maxCost", "approveSpecs", "modle"][i]}`).sort());
    // Stored state and internal messages keep reading newer formats.
    expect(RunOptions.partial().safeParse(body).success).toBe(true);
    expect(strict.parse({ maxSprints: 2 })).toMatchObject({ maxSprints: 2 });
  });

  it("keeps refinements and descriptions, and goes through arrays, unions and nullish wrappers", () => {
    const inner = z.object({ a: z.number() }).refine((o) => o.a > 0, "a must be positive").describe("the inner one");
    const strict = strictInput(z.object({ list: z.array(z.union([inner, z.string()])), maybe: inner.nullish() }));
    expect(strict.safeParse({ list: [{ a: 1, b: 2 }] }).success).toBe(false);
    expect(strict.safeParse({ list: [{ a: -1 }] }).error?.issues[0]?.message).toBe("a must be positive");
    expect(strict.safeParse({ list: ["s"], maybe: { a: 1, extra: true } }).error?.issues[0]?.path).toEqual(["maybe"]);
    expect(strict.safeParse({ list: [{ a: 2 }], maybe: null }).success).toBe(true);
    expect(strictInput(inner).description).toBe("the inner one");
  });
});
