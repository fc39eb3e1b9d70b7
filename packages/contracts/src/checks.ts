import { z } from "zod";

/**
 * A path on the product: it starts with a single `/`. `//host/x` and `/\host/x` are
 * protocol-relative (a URL parser resolves them to another host), so they are refused here, by
 * the schema, as well as by the runners' product-url confinement.
 */
export const ProductPath = z.string().regex(/^\/(?![/\\])/, "must be an origin-relative path on the product: it starts with a single / (not //host or /\\host, which address another host)");

const CheckBase = {
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  description: z.string().min(1).max(1_000),
  /** Which deliverable(s) this check proves. */
  deliverableIds: z.array(z.string()).default([]),
  /** Which acceptance criteria (`F1.2`) this check proves; coverage is counted per criterion. */
  criterionIds: z.array(z.string()).optional(),
};

/** Assertions on text: command output, an HTTP body, page text. Every field given must hold. */
export const OutputAssertion = z.object({
  stream: z.enum(["stdout", "stderr", "both"]).default("both"),
  contains: z.string().optional(),
  notContains: z.string().optional(),
  /** The whole text, trimmed, equals this. */
  equals: z.string().optional(),
  /** A JavaScript regular expression (no flags) that must match. */
  matches: z.string().optional(),
  notMatches: z.string().optional(),
});
export type OutputAssertion = z.infer<typeof OutputAssertion>;

/**
 * An assertion on one value of a JSON document (an HTTP body, a stored JSON file, the rows of a
 * SQLite query). `path` is `$`, `$.items[0].title`, `$.length` (an array's length)... Every
 * field given must hold; `absent: true` holds when the path has no value.
 */
export const JsonAssertion = z.object({
  path: z.string().min(1).max(500),
  equals: z.unknown().optional(),
  notEquals: z.unknown().optional(),
  /** The value, as a string, matches this regular expression. */
  matches: z.string().optional(),
  /** A string containing it, or an array with an element deep-equal to it. */
  contains: z.unknown().optional(),
  notContains: z.unknown().optional(),
  absent: z.boolean().optional(),
  exists: z.boolean().optional(),
  /** Numbers: the value is at least / at most this. */
  gte: z.number().optional(),
  lte: z.number().optional(),
});
export type JsonAssertion = z.infer<typeof JsonAssertion>;

export const CommandCheck = z.object({
  ...CheckBase,
  kind: z.literal("command"),
  command: z.string().min(1).max(4_000),
  expectExitCode: z.number().int().default(0),
  expectOutput: z.array(OutputAssertion).default([]),
  timeoutMs: z.number().int().positive().max(30 * 60_000).default(120_000),
});
export type CommandCheck = z.infer<typeof CommandCheck>;

/**
 * One request and what its answer must show. `{{name}}` in the path, a header value or anywhere
 * in a string of the body is replaced by a value an earlier request captured.
 */
const HttpRequestFields = {
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
  path: ProductPath,
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
  expectStatus: z.number().int().min(100).max(599),
  expectHeaders: z.record(z.string(), z.string()).default({}),
  expectBodyContains: z.array(z.string()).default([]),
  expectBodyNotContains: z.array(z.string()).default([]),
  expectBody: z.array(OutputAssertion.omit({ stream: true })).default([]),
  /** JSON path (dot/bracket notation) -> expected value (deep equality). */
  expectJson: z.record(z.string(), z.unknown()).default({}),
  /** Richer JSON assertions: absent, matches, contains, bounds. */
  json: z.array(JsonAssertion).default([]),
  /** Variable name -> JSON path of the answer, for later requests (`{{name}}`). */
  capture: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/), z.string()).default({}),
};

export const HttpRequestStep = z.object(HttpRequestFields);
export type HttpRequestStep = z.infer<typeof HttpRequestStep>;

/** A request, optionally followed by more (`then`) that use what it captured. */
export const HttpCheck = z.object({
  ...CheckBase,
  kind: z.literal("http"),
  ...HttpRequestFields,
  then: z.array(HttpRequestStep).max(20).default([]),
});
export type HttpCheck = z.infer<typeof HttpCheck>;

/**
 * Browser steps. Every `expect*` waits and retries until it holds or its timeout passes (as
 * Playwright's web-first assertions do), so a check neither races the render nor passes early.
 */
export const BrowserStep = z.discriminatedUnion("action", [
  z.object({ action: z.literal("goto"), path: ProductPath }),
  z.object({ action: z.literal("click"), selector: z.string().min(1) }),
  z.object({ action: z.literal("fill"), selector: z.string().min(1), value: z.string() }),
  z.object({ action: z.literal("press"), selector: z.string().min(1), key: z.string().min(1) }),
  z.object({ action: z.literal("select"), selector: z.string().min(1), value: z.string() }),
  z.object({ action: z.literal("wait"), ms: z.number().int().nonnegative().max(60_000) }),
  z.object({ action: z.literal("reload") }),
  z.object({ action: z.literal("expectVisible"), selector: z.string().min(1) }),
  /** The element is hidden or gone (waits for it to disappear). */
  z.object({ action: z.literal("expectHidden"), selector: z.string().min(1) }),
  /** The first match's text contains `text` (or equals it with `exact`). */
  z.object({ action: z.literal("expectText"), selector: z.string().min(1), text: z.string(), exact: z.boolean().default(false) }),
  z.object({ action: z.literal("expectTextMatches"), selector: z.string().min(1), pattern: z.string().min(1) }),
  /** No element matching the selector contains `text` (the page body when no selector). */
  z.object({ action: z.literal("expectNoText"), selector: z.string().min(1).default("body"), text: z.string().min(1) }),
  z.object({ action: z.literal("expectValue"), selector: z.string().min(1), value: z.string() }),
  z.object({ action: z.literal("expectCount"), selector: z.string().min(1), count: z.number().int().nonnegative() }),
  z.object({ action: z.literal("expectUrl"), contains: z.string() }),
  z.object({ action: z.literal("expectNoConsoleErrors") }),
  z.object({ action: z.literal("screenshot"), name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
]);
export type BrowserStep = z.infer<typeof BrowserStep>;

export const BrowserCheck = z.object({
  ...CheckBase,
  kind: z.literal("browser"),
  steps: z.array(BrowserStep).min(1),
});
export type BrowserCheck = z.infer<typeof BrowserCheck>;

/**
 * What the product stored, read after the checks before it in contract order ran against the
 * same running app: a JSON file, or the rows of a query on a SQLite file (path relative to the
 * product's directory). Assertions apply to the parsed document or to the rows array.
 */
export const DataCheck = z.object({
  ...CheckBase,
  kind: z.literal("data"),
  file: z.string().min(1).max(500),
  format: z.enum(["json", "sqlite"]),
  /** SQLite only: a read-only SELECT whose rows (objects by column) are asserted on. */
  query: z.string().max(4_000).optional(),
  json: z.array(JsonAssertion).min(1),
});
export type DataCheck = z.infer<typeof DataCheck>;

/** Graded by a model judge; pass = score >= threshold, computed by code. */
export const RubricCheck = z.object({
  ...CheckBase,
  kind: z.literal("rubric"),
  criterion: z.string().min(1).max(200),
  guidance: z.string().max(4_000).default(""),
  /** Scores run 0..10. */
  threshold: z.number().min(0).max(10),
});
export type RubricCheck = z.infer<typeof RubricCheck>;

export const Check = z.discriminatedUnion("kind", [CommandCheck, HttpCheck, BrowserCheck, DataCheck, RubricCheck]);
export type Check = z.infer<typeof Check>;
