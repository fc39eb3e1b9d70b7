import { HttpRequestStep, type CriterionResult, type Evidence, type HttpCheck, type JsonAssertion } from "@harness/contracts";
import { referencedVars, substitute, substituteText, type Vars } from "./http-vars.js";
import { jsonDepthProblem, jsonFailures, jsonPath } from "./json-assert.js";
import { tail } from "./output.js";
import { fetchOnProduct, productUrl } from "./product-url.js";
import { textFailures } from "./text-assert.js";
import { EvaluationInterruptedError } from "../errors.js";
import { throwIfMachine } from "../interrupt.js";
import { withBoundedPatterns } from "./patterns.js";

export { jsonPath } from "./json-assert.js";

/** A server that just passed its readiness probe can still refuse a connection or two. */
const CONNECT_RETRIES = 4;
const CONNECT_RETRY_MS = 250;
const REQUEST_TIMEOUT_MS = 30_000;
/** An answer's body is read up to this; a larger one fails the check (the evaluator holds it in memory). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`the body is larger than the ${MAX_BODY_BYTES / 1024 / 1024} MB an http check reads`);
    this.name = "BodyTooLargeError";
  }
}

/** The body as text, read up to MAX_BODY_BYTES; a larger (or endless) one is cut off and refused. */
export async function readBody(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function errorCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

/**
 * Retries only when the request cannot have reached the app (connection refused), so even a
 * POST is never sent twice; any answer, whatever its status, is final.
 */
export async function fetchWithConnectRetry(url: URL, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      if (attempt >= CONNECT_RETRIES || errorCode(err) !== "ECONNREFUSED") throw err;
      await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS * (attempt + 1)));
    }
  }
}

function describeError(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${message} (${code})` : message;
}

/** The step with earlier captures written in: path (URL-escaped), headers, body and expectations. */
function resolveStep(step: HttpRequestStep, vars: Vars): HttpRequestStep {
  const text = (s: string) => substituteText(s, vars);
  const record = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)]));
  return {
    ...step,
    path: substituteText(step.path, vars, true),
    headers: record(step.headers),
    ...(step.body !== undefined ? { body: substitute(step.body, vars) } : {}),
    expectHeaders: record(step.expectHeaders),
    expectBodyContains: step.expectBodyContains.map(text),
    expectBodyNotContains: step.expectBodyNotContains.map(text),
    expectBody: step.expectBody.map((a) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, typeof v === "string" ? text(v) : v]))),
    expectJson: Object.fromEntries(Object.entries(step.expectJson).map(([k, v]) => [k, substitute(v, vars)])),
    json: step.json.map((a) => ({
      ...a,
      ...(a.equals !== undefined ? { equals: substitute(a.equals, vars) } : {}),
      ...(a.notEquals !== undefined ? { notEquals: substitute(a.notEquals, vars) } : {}),
      ...(a.contains !== undefined ? { contains: substitute(a.contains, vars) } : {}),
      ...(a.notContains !== undefined ? { notContains: substitute(a.notContains, vars) } : {}),
      ...(a.matches !== undefined ? { matches: text(a.matches) } : {}),
    })),
  };
}

interface StepOutcome { failures: string[]; evidence: Evidence; summary: string; label: string }

/** Sends one request and checks every assertion of it; captures go into `vars`. */
async function runStep(baseUrl: string, step: HttpRequestStep, vars: Map<string, unknown>, checkId: string): Promise<StepOutcome> {
  const { capture, ...rest } = step;
  const missing = [...referencedVars(rest)].filter((name) => !vars.has(name));
  if (missing.length > 0) {
    const known = vars.size > 0 ? ` (captured so far: ${[...vars.keys()].join(", ")})` : " (nothing was captured before it)";
    const summary = `${step.method} ${step.path} not sent`;
    return { summary, label: `${step.method} ${step.path}`, failures: missing.map((name) => `{{${name}}} was not captured by an earlier request${known}`), evidence: { kind: "http", summary, location: step.path } };
  }
  const s = resolveStep(step, vars);
  const failures: string[] = [];
  let summary: string;
  let detail = "";
  try {
    const hasBody = s.body !== undefined && s.method !== "GET" && s.method !== "HEAD";
    const res = await fetchOnProduct(baseUrl, productUrl(baseUrl, s.path), {
      method: s.method,
      headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...s.headers },
      ...(hasBody ? { body: typeof s.body === "string" ? s.body : JSON.stringify(s.body) } : {}),
    }, fetchWithConnectRetry);
    summary = `${s.method} ${s.path} -> ${res.status}`;
    const text = await readBody(res);
    detail = `content-type: ${res.headers.get("content-type") ?? "(none)"}\n\n${tail(text, 3_000)}`;
    if (res.status !== s.expectStatus) failures.push(`status ${res.status} (expected ${s.expectStatus})`);
    for (const [k, v] of Object.entries(s.expectHeaders)) {
      const got = res.headers.get(k);
      if (got === null || !got.includes(v)) failures.push(`header ${k} is ${JSON.stringify(got)} (expected to contain ${JSON.stringify(v)})`);
    }
    for (const c of s.expectBodyContains) if (!text.includes(c)) failures.push(`body does not contain ${JSON.stringify(c)}`);
    for (const c of s.expectBodyNotContains) if (text.includes(c)) failures.push(`body contains ${JSON.stringify(c)}`);
    const assertions: JsonAssertion[] = [...Object.entries(s.expectJson).map(([path, equals]) => ({ path, equals })), ...s.json];
    const captures = Object.entries(capture);
    let doc: unknown;
    let parsed = true;
    // Too deep to walk (RangeError in every recursive assertion): judged as not JSON, with the reason.
    const deep = assertions.length > 0 || captures.length > 0 ? jsonDepthProblem(text, "body") : undefined;
    if (deep) parsed = false;
    else if (assertions.length > 0 || captures.length > 0) {
      try { doc = JSON.parse(text); } catch { parsed = false; }
    }
    // The contract's patterns run bounded (patterns.ts), never on the event loop.
    failures.push(...await withBoundedPatterns(checkId, (m) => [...s.expectBody.flatMap((a) => textFailures(a, text, "body", m)), ...(parsed ? jsonFailures(assertions, doc, m) : [])]));
    if (assertions.length > 0 || captures.length > 0) {
      if (deep) failures.push(deep);
      else if (!parsed) failures.push(captures.length > 0 ? `body is not JSON, so ${captures.map(([n]) => n).join(", ")} cannot be captured` : "body is not JSON");
      else {
        for (const [name, path] of captures) {
          const value = jsonPath(doc, path);
          if (value === undefined) failures.push(`capture ${name}: ${path} has no value in the answer`);
          else vars.set(name, value);
        }
      }
    }
  } catch (err) {
    if (err instanceof EvaluationInterruptedError) throw err;
    throwIfMachine(err, checkId, `send ${s.method} ${s.path}`);
    if (err instanceof BodyTooLargeError) {
      summary = `${s.method} ${s.path}: body over ${MAX_BODY_BYTES} bytes`;
      failures.push(err.message);
    } else {
      summary = `${s.method} ${s.path} failed`;
      failures.push(`request failed: ${describeError(err)}`);
    }
  }
  return { failures, summary, label: `${s.method} ${s.path}`, evidence: { kind: "http", summary, detail, location: s.path } };
}

/**
 * One request, or a short sequence (`then`) where later requests use what earlier ones captured:
 * create, read back by the new id, delete, read again. The first failing request ends the check
 * (what follows depends on it); the feedback names it and what passed before it.
 */
export async function runHttpCheck(baseUrl: string, check: HttpCheck): Promise<CriterionResult> {
  // The check's own fields are its first request. Picked, not parsed: a check that never met the
  // schema (an old stored one) must fail by its own assertions or by product-url, not throw here.
  const first = Object.fromEntries(Object.keys(HttpRequestStep.shape).map((k) => [k, check[k as keyof HttpRequestStep]])) as HttpRequestStep;
  const steps: HttpRequestStep[] = [first, ...check.then];
  const vars = new Map<string, unknown>();
  const evidence: Evidence[] = [];
  const done: string[] = [];
  let feedback = "passed";
  for (const [i, step] of steps.entries()) {
    const outcome = await runStep(baseUrl, step, vars, check.id);
    evidence.push(steps.length > 1 ? { ...outcome.evidence, summary: `request ${i + 1} of ${steps.length}: ${outcome.summary}` } : outcome.evidence);
    if (outcome.failures.length > 0) {
      const before = done.length > 0 ? ` Requests before it passed: ${done.join(", ")}.` : "";
      feedback = steps.length > 1 ? `request ${i + 1} of ${steps.length}: ${outcome.label}: ${outcome.failures.join("; ")}.${before}` : `${outcome.label}: ${outcome.failures.join("; ")}`;
      break;
    }
    done.push(outcome.summary);
  }
  const passed = feedback === "passed";
  return { checkId: check.id, kind: "http", description: check.description, score: passed ? 10 : 0, threshold: 10, passed, evidence, feedback };
}
