import type { MsgHdrs } from "@nats-io/transport-node";

/** Flattens NATS headers; a repeated header keeps its last value. */
export function headersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const [k, values] of h) {
    const last = values[values.length - 1];
    if (last !== undefined) out[k] = last;
  }
  return out;
}

/** Header values cannot hold line breaks; multi-line texts (zod reports) are joined into one line. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
