/*
 * Static refusal of patterns that can backtrack catastrophically, for the review rules (which
 * try a contract's patterns on sample outputs, synchronously) and the explorer's guard. It
 * catches the usual shape, a repetition inside a repetition (`(a+)+`, `(\w+\s?)*`, `(.*)*`),
 * and lets through the common safe one where each repetition starts with a separator the inner
 * one cannot match (`(\.\d+)+`, `(,\s*\w+)*`). It is a first, explained refusal, not the
 * bound: it misses overlapping alternatives (`(a|a)*`), so every trial of a pattern runs in a
 * worker with a time limit (bounded.ts for the runners, sync-patterns.ts for the review and guard).
 */

interface Atom { src: string; quantified: boolean }
interface Group { unbounded: boolean; atoms: Atom[]; start: number; alternation: boolean }

/** A quantifier at `i`: its length and whether it repeats without a small bound. */
function quantifierAt(p: string, i: number): { len: number; unbounded: boolean } | undefined {
  const c = p[i];
  if (c === "*" || c === "+") return { len: p[i + 1] === "?" ? 2 : 1, unbounded: true };
  if (c === "?") return { len: p[i + 1] === "?" ? 2 : 1, unbounded: false };
  if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}\??/.exec(p.slice(i));
    if (!m) return undefined;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3]);
    return { len: m[0].length, unbounded: max > 16 };
  }
  return undefined;
}

/** Whether an atom (`.`, `\w`, `[a-z]`, `x`) can match the character `c`. */
function canMatch(atom: string, c: string): boolean {
  if (atom === ".") return true;
  if (atom.startsWith("\\")) {
    const e = atom[1]!;
    if ("WSDB".includes(e)) return true;
    if (e === "w") return /\w/.test(c);
    if (e === "d") return /\d/.test(c);
    if (e === "s") return /\s/.test(c);
    return atom.slice(1) === c || /^[pPux]/.test(e);
  }
  if (atom.startsWith("[")) {
    if (atom.startsWith("[^")) return true;
    try { return new RegExp(atom).test(c); } catch { return true; }
  }
  return atom === c;
}

/** The literal character an atom matches, if it matches exactly one that is no word or space character. */
function separator(a: Atom | undefined): string | undefined {
  if (!a || a.quantified) return undefined;
  const c = a.src.startsWith("\\") ? (/^\\[wWdDsSbBpPux0-9]/.test(a.src) ? undefined : a.src[1]) : a.src.length === 1 && a.src !== "." ? a.src : undefined;
  return c !== undefined && !/[\w\s]/.test(c) ? c : undefined;
}

/** Each repetition of the group starts or ends with a separator no other atom of it can match. */
function separated(g: Group): boolean {
  if (g.alternation) return false;
  for (const [sep, others] of [[separator(g.atoms[0]), g.atoms.slice(1)], [separator(g.atoms.at(-1)), g.atoms.slice(0, -1)]] as const) {
    if (sep !== undefined && !others.some((a) => canMatch(a.src, sep))) return true;
  }
  return false;
}

/** Why `pattern` could take exponential time, or undefined when it has no nested repetition. */
export function unsafePattern(pattern: string): string | undefined {
  const stack: Group[] = [{ unbounded: false, atoms: [], start: 0, alternation: false }];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const top = stack.at(-1)!;
    if (c === "(") {
      const head = /^\((\?(:|=|!|<=|<!|<[A-Za-z_]\w*>))?/.exec(pattern.slice(i))![0];
      stack.push({ unbounded: false, atoms: [], start: i, alternation: false });
      i += head.length;
      continue;
    }
    if (c === ")") {
      i++;
      if (stack.length === 1) continue;
      const g = stack.pop()!;
      const q = quantifierAt(pattern, i);
      if (q?.unbounded && g.unbounded && !separated(g)) {
        return `${pattern.slice(g.start, i + q.len)} repeats a repetition: on a long text that almost matches it can backtrack for an exponential time`;
      }
      if (q) i += q.len;
      const parent = stack.at(-1)!;
      parent.unbounded ||= g.unbounded || (q?.unbounded ?? false);
      parent.atoms.push(...g.atoms.map((a) => ({ src: a.src, quantified: a.quantified || q !== undefined || g.alternation })));
      continue;
    }
    if (c === "|") { top.alternation = true; i++; continue; }
    let src = c;
    if (c === "\\") src = pattern.slice(i, i + 2);
    else if (c === "[") src = /^\[(?:\\.|[^\]\\])*\]/.exec(pattern.slice(i))?.[0] ?? c;
    i += src.length;
    if (src === "^" || src === "$") continue;
    const q = quantifierAt(pattern, i);
    if (q) { i += q.len; top.unbounded ||= q.unbounded; }
    top.atoms.push({ src, quantified: q !== undefined });
  }
  return undefined;
}
