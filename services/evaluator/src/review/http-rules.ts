import type { DataCheck, HttpCheck, HttpRequestStep, JsonAssertion } from "@harness/contracts";
import { jsonPath } from "../checks/json-assert.js";
import { matchesSomeBounded } from "../checks/sync-patterns.js";
import { EMPTY_DOCUMENTS, isEmptyValue, jsonHolds, jsonIsPositive, textHolds, textIsPositive } from "./assertions.js";

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What an app with nothing behind its routes answers: empty JSON, a blank page, a framework's 404. */
function brokenBodies(step: HttpRequestStep): string[] {
  return ["", "{}", "[]", "null", "OK", "ok", "Not Found", "Internal Server Error", "{\"ok\":true}", "{\"error\":\"not found\"}",
    "<!doctype html><html><head><title></title></head><body></body></html>",
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${step.method} ${step.path}</pre>\n</body>\n</html>\n`,
    // nginx, Python's http.server, Flask and most frameworks: "404" in the page; Fastify's and Nest's default JSON.
    "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1></center>\n</body>\n</html>\n",
    JSON.stringify({ message: `Route ${step.method}:${step.path} not found`, error: "Not Found", statusCode: 404 }),
    JSON.stringify({ statusCode: 404, message: `Cannot ${step.method} ${step.path}`, error: "Not Found" }),
    "{\"status\":\"ok\"}"];
}

/** The broken bodies that are JSON: what a json assertion must not hold on either. */
function brokenDocs(step: HttpRequestStep): unknown[] {
  return brokenBodies(step).flatMap((b) => { try { return [JSON.parse(b) as unknown]; } catch { return []; } });
}

/** Leaf values of what the request sends: an app that echoes its request answers these. */
function sent(step: HttpRequestStep): unknown[] {
  // The raw body too: an echo server answers its keys (`"text"`) as well as its values.
  const out: unknown[] = [step.path, ...Object.values(step.headers), ...(step.body === undefined ? [] : [typeof step.body === "string" ? step.body : JSON.stringify(step.body)])];
  const visit = (v: unknown): void => {
    if (v !== null && typeof v === "object") { for (const x of Object.values(v)) visit(x); return; }
    out.push(v);
    if (typeof v === "string") { try { visit(JSON.parse(v)); } catch { /* plain text */ } }
  };
  visit(step.body);
  // An echo server answers decoded values: the query's (`?q=Buy%20milk`) and a form body's (`text=Buy+milk`).
  const form = (text: string): string[] => { try { return [...new URLSearchParams(text).entries()].flat(); } catch { return []; } };
  out.push(...form(step.path.split("?")[1] ?? ""));
  try { out.push(decodeURIComponent(step.path)); } catch { /* not percent-encoded */ }
  if (typeof step.body === "string" && step.body.includes("=")) out.push(...form(step.body));
  return out;
}

/** Leaf values of the request body alone (a pattern matched by one is satisfied by an echo). */
function sentValues(body: unknown): unknown[] {
  if (body !== null && typeof body === "object") return Object.values(body).flatMap(sentValues);
  if (typeof body === "string") { try { const v: unknown = JSON.parse(body); if (v !== null && typeof v === "object") return sentValues(v); } catch { /* plain text */ } }
  return [body];
}

/** Tried in the bounded worker (sync-patterns.ts): a pattern that runs over throws, and the check is refused. */
function safeTest(pattern: string, s: string): boolean {
  return matchesSomeBounded(pattern, [s]);
}

function echoes(step: HttpRequestStep, test: (leaf: unknown) => boolean): boolean {
  return sent(step).some((leaf) => test(leaf));
}

const stringEcho = (s: string) => (leaf: unknown): boolean => typeof leaf === "string" && s.trim() !== "" && leaf.includes(s);

interface StepVerdict { positive: number; echoOnly: number; negative: number }

function judgeStep(step: HttpRequestStep): StepVerdict {
  const bodies = brokenBodies(step);
  const docs = brokenDocs(step);
  const v: StepVerdict = { positive: 0, echoOnly: 0, negative: 0 };
  const count = (isPositive: boolean, isEcho: boolean): void => {
    if (!isPositive) v.negative++;
    else if (isEcho) v.echoOnly++;
    else v.positive++;
  };
  for (const s of step.expectBodyContains) count(s.trim() !== "" && !bodies.some((b) => b.includes(s)), echoes(step, stringEcho(s)));
  v.negative += step.expectBodyNotContains.length;
  for (const a of step.expectBody) {
    const positive = textIsPositive(a) && !bodies.some((b) => textHolds(a, b));
    count(positive, echoes(step, (leaf) => typeof leaf === "string" && textHolds(a, leaf)));
  }
  for (const [path, expected] of Object.entries(step.expectJson)) {
    const positive = !isEmptyValue(expected) && [...EMPTY_DOCUMENTS, ...docs].every((d) => !same(jsonPath(d, path), expected));
    count(positive, echoes(step, (leaf) => same(leaf, expected) || (typeof expected === "string" && stringEcho(expected)(leaf))));
  }
  // Only a concrete expected value can be an echo; a pattern or a bound on a new id is not.
  for (const a of step.json) {
    const echoed = (a.equals !== undefined && echoes(step, (leaf) => same(leaf, a.equals) || (typeof a.equals === "string" && stringEcho(a.equals)(leaf))))
      || (typeof a.contains === "string" && echoes(step, stringEcho(a.contains)))
      || (typeof a.matches === "string" && step.body !== undefined && sentValues(step.body).some((leaf) => typeof leaf === "string" && safeTest(a.matches!, leaf)));
    count(jsonIsPositive(a) && !docs.some((d) => jsonHolds(a, d)), echoed);
  }
  return v;
}

/** A refusal the app has to decide; a stub or an app without the route answers 200, 404 or 405. */
const decidedStatus = (status: number): boolean => status >= 400 && status < 500 && status !== 404 && status !== 405;

/** A body that is not JSON under a JSON content type: any body parser refuses it before the app's code runs. */
function malformed(step: HttpRequestStep): boolean {
  if (typeof step.body !== "string") return false;
  const type = Object.entries(step.headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "application/json";
  if (!/json/i.test(String(type))) return false;
  try { JSON.parse(step.body); return false; } catch { return true; }
}

/** A refusal the app itself decided: not a stub's or a missing route's status, nor a body parser's answer to a malformed body. */
const decidedRefusal = (step: HttpRequestStep): boolean => decidedStatus(step.expectStatus) && !malformed(step);

const requestOf = (s: HttpRequestStep): string => `${s.method} ${s.path}`;

/**
 * A later request's `{{name}}` of a capture of the whole answer (`$`) holds whenever that answer
 * repeats the earlier one: a stub's `{}` contains `{}`. Judged as the empty answer it may be.
 */
function withWholeCaptures(steps: readonly HttpRequestStep[]): HttpRequestStep[] {
  const whole = steps.flatMap((s) => Object.entries(s.capture ?? {}).filter(([, path]) => path.trim() === "$").map(([name]) => name));
  if (whole.length === 0) return [...steps];
  let text = JSON.stringify(steps);
  for (const name of whole) text = text.replaceAll(`{{${name}}}`, "{}");
  return JSON.parse(text) as HttpRequestStep[];
}

export function httpProblems(c: HttpCheck): string[] {
  const steps: HttpRequestStep[] = withWholeCaptures([c, ...c.then]);
  const verdicts = steps.map(judgeStep);
  const positive = verdicts.reduce((n, v) => n + v.positive, 0);
  const echo = verdicts.reduce((n, v) => n + v.echoOnly, 0);
  const negative = verdicts.reduce((n, v) => n + v.negative, 0);
  const refusal = steps.find((s) => decidedRefusal(s));
  const problems: string[] = [];
  if (positive === 0 && !refusal) {
    const what = steps.map(requestOf).join(" then ");
    if (echo > 0) problems.push(`check ${c.id}: its body assertions only repeat what the request sent (${what}), so a server that echoes its request passes it; read the result back (e.g. \`then\` a GET of the created item using a captured id) and assert on that answer`);
    else if (negative > 0) problems.push(`check ${c.id}: its body assertions only say what the answer must not contain or may lack (${what}); an empty answer like \`{}\` satisfies them. First assert what the answer must contain (expectBodyContains, expectJson, json with equals/matches/gte), then what it must not`);
    else problems.push(`check ${c.id}: it asserts only the status of ${what}, which a stub or an app without the route answers too; assert on the body (expectBodyContains, expectJson or json) of what the app must return`);
    return problems;
  }
  // Absence proves something only after the check has seen the app answer with content.
  let seenPositive = false;
  for (const [i, v] of verdicts.entries()) {
    if (v.negative > 0 && !seenPositive && v.positive === 0 && !decidedRefusal(steps[i]!)) {
      problems.push(`check ${c.id}: request ${i + 1} (${requestOf(steps[i]!)}) asserts only absence before the check has asserted any content; an empty answer passes it. Assert first what the app must have answered (e.g. the created item in an earlier request of the check)`);
      break;
    }
    if (v.positive > 0) seenPositive = true;
  }
  return problems;
}

/** Files the workspace ships: reading them proves nothing the product stored. */
const SHIPPED = /(^|\/)(package(-lock)?\.json|tsconfig\.json|pnpm-lock\.yaml)$|\.(m?[jt]sx?|cjs|html?|css|md)$/i;

/** A query's SQL without comments and with string literals emptied: what it reads, not what it says. */
function sqlCode(query: string): string {
  return query.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ").replace(/'(?:[^']|'')*'/g, "''");
}

const READS_TABLE = /\bFROM\s+["`[]?(?!sqlite_(master|schema|sequence|temp_master)\b|pragma_)\w/i;

/** The string literals of a query (`'Buy milk'`): a value the query writes itself, not one it read. */
function sqlLiterals(query: string): string[] {
  return [...query.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ").matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
}

/**
 * What an empty table answers to the query's rows at `path` (`$[0].n`): an aggregate gives one row
 * of 0 or NULL (`COUNT(*)`, `max(x)`), a plain SELECT none.
 */
function emptyRows(path: string): unknown[] {
  const m = /^\$\[0\]\.(\w+)$/.exec(path.trim());
  return m ? [[{ [m[1]!]: 0 }], [{ [m[1]!]: null }], [{ [m[1]!]: "" }]] : [];
}

function sqliteProblems(c: DataCheck): string[] {
  const query = c.query ?? "";
  const arms = sqlCode(query).split(/\b(?:UNION(?:\s+ALL)?|INTERSECT|EXCEPT)\b/i);
  if (arms.some((arm) => !READS_TABLE.test(arm))) return [`check ${c.id}: its query (${query}) has a part that reads no table of the product's data (outside comments and strings, each SELECT of a UNION needs a FROM): a constant holds on an empty database; SELECT from the table the product writes`];
  const literals = sqlLiterals(query);
  const written = c.json.find((a) => [a.equals, a.contains].some((v) => typeof v === "string" && v.trim() !== "" && literals.some((l) => l.includes(v))));
  if (written) return [`check ${c.id}: the value it expects at ${written.path} is written in its own query (${query}), e.g. as a coalesce/ifnull default: it holds on an empty table; select the stored column and compare it`];
  const empty = c.json.filter((a) => jsonIsPositive(a) && !emptyRows(a.path).some((d) => jsonHolds(a, d)));
  return empty.length > 0 ? [] : [`check ${c.id}: its assertions on the rows of ${query} all hold on an empty table (an aggregate answers one row of 0 or NULL, e.g. COUNT(*) >= 0); assert what the product must have stored, e.g. {"path": "$[0].n", "gte": 1}`];
}

export function dataProblems(c: DataCheck): string[] {
  if (SHIPPED.test(c.file)) return [`check ${c.id}: it reads ${c.file}, a file shipped with the product, not data the product stored; read the file or database the product writes`];
  if (c.query !== undefined && !READS_TABLE.test(sqlCode(c.query))) return [`check ${c.id}: its query (${c.query}) reads no table of the product's data (a constant or the schema holds on an empty database); SELECT from the table the product writes`];
  if (c.format === "sqlite" && c.query !== undefined) { const p = sqliteProblems(c); if (p.length > 0) return p; }
  const positive = c.json.filter((a: JsonAssertion) => jsonIsPositive(a));
  if (positive.length > 0) return [];
  return [`check ${c.id}: its assertions on ${c.file} all hold on an empty store (\`{}\`, \`[]\` or no value at the path); assert what the product must have stored, e.g. {"path": "$[0].title", "equals": "Buy milk"} or {"path": "$.length", "gte": 1}`];
}
