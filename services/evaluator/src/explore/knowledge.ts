import type { Check, Feature } from "@harness/contracts";
import { matchesSomeBounded } from "../checks/sync-patterns.js";

/*
 * What a reproduction may lean on. A reproduction proves a defect only when it could pass on a
 * correct product: one sent to a route nobody serves, or expecting a text nothing ever promised or
 * showed, fails on every product, correct or not. So its requests must go to routes the contract
 * uses, the spec documents or the product was seen to serve, and what its final assertion expects
 * must come from somewhere: the spec, the contract, what the product showed while explored, or
 * the reproduction's own input.
 */

const MAX_SHOWN_CHARS = 2_000_000;
/** How long an explorer's pattern may take on all known text (linear patterns take milliseconds). */
export const GUARD_PATTERN_LIMIT_MS = 2_000;
/** A path the spec mentions, optionally after its method: `GET /api/items/:id`. */
const SPEC_PATH = /(?:\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+)?(?<![\w/.])(\/[A-Za-z0-9_.~:{}<>-]+(?:\/[A-Za-z0-9_.~:{}<>-]*)*|\/(?=[\s"'`).,;]|$))/g;

interface Route { method: string; segments: string[] }

/** Lower case, runs of white space as one space: how text is compared with what was shown. */
export function normalText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}

/** A path as route segments: no query or fragment, `{{id}}`, `:id`, `{id}`, `<id>` as wildcards. */
export function routeSegments(path: string): string[] {
  const bare = path.replace(/[?#].*$/, "").replace(/\/+$/, "");
  return bare.split("/").slice(1).map((s) => (/^(\{\{\w+\}\}|:\w+|\{\w+\}|<\w+>)$/.test(s) ? "*" : s));
}

function sameRoute(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === "*" || b[i] === "*" || s === b[i]);
}

/** Every string in a JSON value (keys excluded). */
function strings(value: unknown, out: string[]): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** What a check sends and expects: its requests' routes and every string in it. */
function checkRoutes(c: Check): Route[] {
  if (c.kind === "http") return [c, ...c.then].map((s) => ({ method: s.method, segments: routeSegments(s.path) }));
  if (c.kind === "browser") return c.steps.flatMap((s) => (s.action === "goto" ? [{ method: "GET", segments: routeSegments(s.path) }] : []));
  return [];
}

export class ProductKnowledge {
  readonly #routes: Route[] = [];
  readonly #texts: string[] = [];
  #shownChars = 0;

  constructor(features: readonly Feature[], checks: readonly Check[] = [], overview = "") {
    const spec = [overview, ...features.flatMap((f) => [f.title, f.userStory, ...f.acceptanceCriteria.map((a) => a.text)])];
    for (const text of spec) {
      this.#texts.push(normalText(text));
      for (const m of text.matchAll(SPEC_PATH)) this.#routes.push({ method: m[1] ?? "*", segments: routeSegments(m[2]!) });
    }
    for (const c of checks) {
      this.#routes.push(...checkRoutes(c));
      this.#texts.push(...strings(c, []).map(normalText));
    }
  }

  /** The product answered `method path` with something other than "no such route". */
  served(method: string, path: string, status: number): void {
    if (status === 404 || status === 405 || status === 501) return;
    this.#routes.push({ method, segments: routeSegments(path) });
  }

  /** Text the product showed the explorer (page text, DOM, an API answer), kept up to a bound. */
  shown(text: string): void {
    if (this.#shownChars >= MAX_SHOWN_CHARS) return;
    const t = normalText(text).slice(0, MAX_SHOWN_CHARS - this.#shownChars);
    this.#shownChars += t.length;
    this.#texts.push(t);
  }

  knowsRoute(method: string, path: string): boolean {
    const m = method === "HEAD" ? "GET" : method;
    const segments = routeSegments(path);
    return this.#routes.some((r) => (r.method === "*" || r.method === m) && sameRoute(r.segments, segments));
  }

  /** `text` appears in what the spec, the contract or the product said, or in `own` (the reproduction's input). */
  knowsText(text: string, own: readonly string[] = []): boolean {
    const t = normalText(text);
    return t === "" || [...this.#texts, ...own.map(normalText)].some((k) => k.includes(t));
  }

  /**
   * Some known text (or `own`) matches `pattern` (case-insensitive, multiline). Tried in the
   * bounded worker (sync-patterns.ts), never on the event loop: up to 2 MB of text the product
   * chose; throws PatternOverrunError when the pattern runs over GUARD_PATTERN_LIMIT_MS.
   */
  matchesSome(pattern: string, own: readonly string[] = []): boolean {
    return matchesSomeBounded(pattern, [...this.#texts, ...own.map(normalText)], "im", GUARD_PATTERN_LIMIT_MS);
  }
}
