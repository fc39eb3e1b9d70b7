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
/** A request of a contract check and the status it expects: what the reviewed contract says that route answers. */
interface Expected extends Route { body: string; status: number; checkId: string; first: boolean }

/** Words that promise an order of a list: without one, which element comes first is nobody's promise. */
const ORDER_WORDS = /\b(newest|oldest|latest|earliest|recent|order|ordered|sorted|sort|top|bottom|first|last|reverse|chronological|alphabetical)\b/i;

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
  readonly #expected: Expected[] = [];
  /** The spec and the contract alone (not what the product showed): what a finding's expectation may come from. */
  readonly #promised: string;
  #shownChars = 0;

  /**
   * `productTexts`: the product's own source files, as text: a message its code holds (an error
   * its API answers, a label) is something it can show, even where a defect keeps it from doing so.
   */
  constructor(features: readonly Feature[], checks: readonly Check[] = [], overview = "", productTexts: readonly string[] = []) {
    const spec = [overview, ...features.flatMap((f) => [f.title, f.userStory, ...f.acceptanceCriteria.map((a) => a.text)])];
    this.#promised = [...spec, ...checks.map((c) => c.description)].join("\n");
    for (const c of checks) {
      if (c.kind !== "http") continue;
      for (const [i, s] of [c, ...c.then].entries()) this.#expected.push({ method: s.method, segments: routeSegments(s.path), body: JSON.stringify(s.body ?? null), status: s.expectStatus, checkId: c.id, first: i === 0 });
    }
    for (const text of spec) {
      this.#texts.push(normalText(text));
      for (const m of text.matchAll(SPEC_PATH)) this.#routes.push({ method: m[1] ?? "*", segments: routeSegments(m[2]!) });
    }
    for (const c of checks) {
      this.#routes.push(...checkRoutes(c));
      this.#texts.push(...strings(c, []).map(normalText));
    }
    this.#texts.push(...productTexts.map(normalText));
  }

  /**
   * The product answered `method path` with something other than "no such route". An HTML answer
   * does not count: a single-page app's fallback answers its page to any path, a misspelt
   * `/api/note` included, and a reproduction sent there fails on the correct product.
   */
  served(method: string, path: string, status: number, contentType = ""): void {
    if (status === 404 || status === 405 || status === 501) return;
    if (/html/i.test(contentType)) return;
    this.#routes.push({ method, segments: routeSegments(path) });
  }

  /**
   * Why expecting `status` for `method path` (sending `body`) is no promise of the spec or the
   * contract, or undefined when it is one: a contract check expects it of that route, the spec
   * names the number, or it is a GET's plain 200. A contract check whose first request is the same
   * request, sent alone (`alone`: on a fresh start, so no earlier request changed what it answers),
   * and expects another status contradicts it outright (an empty note the spec wants refused).
   */
  statusProblem(method: string, path: string, body: unknown, status: number, alone: boolean): string | undefined {
    const segments = routeSegments(path);
    const same = this.#expected.filter((e) => e.method === method && sameRoute(e.segments, segments));
    const twin = alone && !path.includes("{{") ? same.find((e) => e.first && e.body === JSON.stringify(body ?? null) && e.status !== status) : undefined;
    if (twin) return `the reviewed check ${twin.checkId} sends the same ${method} ${path} and expects ${twin.status}, so expecting ${status} contradicts the contract: a correct product fails it`;
    if (same.some((e) => e.status === status) || new RegExp(`\\b${status}\\b`).test(this.#promised) || (status === 200 && (method === "GET" || method === "HEAD"))) return undefined;
    return `the final request expects status ${status} for ${method} ${path}, which neither the spec nor a contract check names for it (the contract expects ${same.length > 0 ? [...new Set(same.map((e) => e.status))].join(" or ") : "nothing of it"}): a status taken from nowhere fails a correct product; expect what a criterion or a check promises`;
  }

  /** The spec or the contract promises an order of some list (newest first, sorted...). */
  promisesOrder(): boolean {
    return ORDER_WORDS.test(this.#promised);
  }

  /** The spec or the contract promises a field is cleared or reset (after saving, say). */
  promisesClearing(): boolean {
    return /\b(clear|clears|cleared|reset|resets|blank)\b/i.test(this.#promised);
  }

  /** The spec or the contract names the number `n` (a count it promises: "starts with 3 samples"). */
  promisesNumber(n: number): boolean {
    return new RegExp(`\\b${n}\\b`).test(this.#promised);
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
    if (this.#routes.some((r) => (r.method === "*" || r.method === m) && sameRoute(r.segments, segments))) return true;
    // An item of a known collection, addressed by an id the product itself answered
    // (`/api/items/{{id}}` after a POST /api/items captured it): read or deleted, as REST has it.
    const item = /\/\{\{\w+\}\}(?:[?#].*)?$/.test(path) && (m === "GET" || m === "DELETE");
    return item && this.#routes.some((r) => sameRoute(r.segments, segments.slice(0, -1)));
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
