/**
 * `{{name}}` in a later request of an HTTP sequence: replaced by what an earlier request
 * captured. A string that is exactly `{{name}}` becomes the captured value itself (a number stays
 * a number in a JSON body); inside longer text the value is written out.
 */
const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

export type Vars = ReadonlyMap<string, unknown>;

/** The variable names used anywhere in the strings of `value` (keys included). */
export function referencedVars(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") for (const m of value.matchAll(VAR)) into.add(m[1]!);
  else if (Array.isArray(value)) for (const v of value) referencedVars(v, into);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) { referencedVars(k, into); referencedVars(v, into); }
  }
  return into;
}

function written(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? "";
}

/** Replaces the variables in one string; `encode` escapes values for a URL path. */
export function substituteText(text: string, vars: Vars, encode = false): string {
  return text.replace(VAR, (whole, name: string) => (vars.has(name) ? (encode ? encodeURIComponent(written(vars.get(name))) : written(vars.get(name))) : whole));
}

/** Replaces the variables in every string of a JSON value (keys and values). */
export function substitute(value: unknown, vars: Vars): unknown {
  if (typeof value === "string") {
    const whole = WHOLE.exec(value);
    return whole && vars.has(whole[1]!) ? vars.get(whole[1]!) : substituteText(value, vars);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substituteText(k, vars), substitute(v, vars)]));
  }
  return value;
}
