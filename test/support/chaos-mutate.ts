import fc from "fast-check";

/* Structural mutation of valid JSON messages: the cases a schema must turn away by name. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = Array<string | number>;

export interface Mutation {
  kind: "delete" | "replace" | "extra-key" | "wrong-type";
  /** Picks the path: index modulo the number of paths. */
  pick: number;
  value: Json;
  key: string;
}

/** Every path in the tree, the root included. */
export function pathsOf(value: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

function wrongTypeOf(v: Json): Json {
  if (typeof v === "string") return 42;
  if (typeof v === "number") return "42";
  if (typeof v === "boolean") return "true";
  if (v === null) return {};
  return Array.isArray(v) ? { length: 0 } : [];
}

function getAt(root: Json, path: Path): Json {
  let cur: Json = root;
  for (const p of path) cur = (cur as Record<string | number, Json>)[p] ?? null;
  return cur;
}

/** A mutated deep copy. Deleting or replacing the root yields `value`. */
export function mutate(input: Json, m: Mutation): Json {
  const root = structuredClone(input);
  const all = pathsOf(root);
  const path = all[m.pick % all.length] ?? [];
  const target = getAt(root, path);
  if (m.kind === "extra-key") {
    if (target !== null && typeof target === "object" && !Array.isArray(target)) (target as Record<string, Json>)[m.key] = m.value;
    else if (Array.isArray(target)) target.push(m.value);
    return root;
  }
  if (path.length === 0) return m.kind === "wrong-type" ? wrongTypeOf(root) : m.value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const last = path.at(-1) as string | number;
  const next = m.kind === "wrong-type" ? wrongTypeOf(target) : m.value;
  if (m.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete (parent as Record<string, Json>)[last];
  } else if (Array.isArray(parent)) {
    parent[Number(last)] = next;
  } else {
    (parent as Record<string, Json>)[last] = next;
  }
  return root;
}

/** Keys that JSON parsers guard against (prototype pollution) are not what these tests are about. */
const safeKey = fc.string({ maxLength: 12 }).filter((k) => k !== "__proto__" && k !== "constructor" && k !== "prototype");

export const jsonValue: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("delete", "replace", "extra-key", "wrong-type"),
  pick: fc.nat(),
  value: jsonValue,
  key: safeKey,
});

/** A valid sample, the same mutated, or any JSON at all. */
export function casesFrom(valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 2, arbitrary: valid },
    { weight: 6, arbitrary: fc.tuple(valid, mutation).map(([v, m]) => mutate(v, m)) },
    { weight: 1, arbitrary: jsonValue },
  );
}
