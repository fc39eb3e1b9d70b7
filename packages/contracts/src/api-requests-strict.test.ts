import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { CreateCalibrationRequest, CreateRejudgementRequest } from "./jobs.js";
import { CreateRunRequest } from "./run.js";

/** Every object reachable in `schema` whose unknown keys pass silently (catchall missing or unknown), by path. */
function lenientObjects(schema: z.ZodType, path = "$", seen = new Set<unknown>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const walk = (s: unknown, p: string): string[] => lenientObjects(s as z.ZodType, p, seen);
  switch (def.type) {
    case "object": {
      const catchall = def.catchall as z.ZodType | undefined;
      const own = catchall === undefined || catchall._zod.def.type === "unknown" ? [path] : [];
      return [...own, ...Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => walk(v, `${path}.${k}`))];
    }
    case "optional": case "nullable": case "default": case "prefault": case "readonly": case "nonoptional": case "catch":
      return walk(def.innerType, path);
    case "array": return walk(def.element, `${path}[]`);
    case "record": return walk(def.valueType, `${path}{}`);
    case "union": return (def.options as unknown[]).flatMap((o) => walk(o, path));
    case "pipe": return walk(def.in, path);
    default: return [];
  }
}

describe("API request bodies", () => {
  it.each([
    ["POST /runs", CreateRunRequest],
    ["POST /calibrations", CreateCalibrationRequest],
    ["POST /runs/:id/rejudgements", CreateRejudgementRequest],
  ] as const)("%s rejects an unknown key at every nesting level", (_route, schema) => {
    expect(lenientObjects(schema)).toEqual([]);
  });

  it("a misspelt rejudgement budget limit is an error naming it, not the $50 default", () => {
    const r = CreateRejudgementRequest.safeParse({ budget: { maxCost: 1 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("maxCost");
  });

  it("a misspelt calibration budget or model limit is an error naming it", () => {
    const base = CreateCalibrationRequest.safeParse({ corpora: [], budget: { maxCost: 1 }, models: { judge: { maxToken: 5 } } });
    expect(base.success).toBe(false);
    const text = JSON.stringify(base.error?.issues);
    expect(text).toContain("maxCost");
    expect(text).toContain("maxToken");
  });
});
