import { z } from "zod";
import { MESSAGE_SCHEMAS } from "./catalog.js";

/** File name -> JSON text for every message schema (zod 4's built-in converter). */
export function renderJsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [type, schema] of Object.entries(MESSAGE_SCHEMAS)) {
    const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
    out[`${type}.schema.json`] = JSON.stringify({ $id: `harness/${type}`, title: type, ...json }, null, 2) + "\n";
  }
  return out;
}
