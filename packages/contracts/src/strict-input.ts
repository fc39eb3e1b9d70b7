import { z } from "zod";

/**
 * The same schema with every object in it strict, however deeply nested (through optional,
 * default, nullable, arrays, records, unions and pipes): an unknown key anywhere is an issue that
 * names it. For what a person or client sends (the HTTP API), where a misspelt option silently
 * ignored is a run with the wrong settings. Messages between services and stored state stay
 * tolerant of fields a newer version adds, so this is applied only at the boundary.
 */
export function strictInput<T extends z.ZodType>(schema: T): T {
  return strictDeep(schema as z.ZodType) as T;
}

type AnyDef = Record<string, unknown> & { type: string };

function strictDeep(schema: z.ZodType): z.ZodType {
  const def = schema._zod.def as unknown as AnyDef;
  const again = (changes: Record<string, unknown>): z.ZodType => {
    const copy = (schema as unknown as { clone(d: unknown): z.ZodType }).clone(z.core.util.mergeDefs(def, changes));
    // Descriptions live in the registry by instance; an id must stay unique to its first holder.
    const meta = z.globalRegistry.get(schema);
    if (meta) {
      const { id: _id, ...rest } = meta;
      z.globalRegistry.add(copy, rest);
    }
    return copy;
  };
  switch (def.type) {
    case "object": {
      const shape = Object.fromEntries(Object.entries(def.shape as Record<string, z.ZodType>).map(([k, v]) => [k, strictDeep(v)]));
      // A catchall other than unknown says what extra keys may be: it is kept.
      const catchall = def.catchall === undefined || (def.catchall as z.ZodType)._zod.def.type === "unknown" ? z.never() : def.catchall;
      return again({ shape, catchall });
    }
    case "optional": case "nullable": case "default": case "prefault": case "readonly": case "nonoptional": case "catch":
      return again({ innerType: strictDeep(def.innerType as z.ZodType) });
    case "array": return again({ element: strictDeep(def.element as z.ZodType) });
    case "record": return again({ valueType: strictDeep(def.valueType as z.ZodType) });
    case "union": return again({ options: (def.options as z.ZodType[]).map(strictDeep) });
    case "pipe": return again({ in: strictDeep(def.in as z.ZodType) });
    default: return schema;
  }
}
