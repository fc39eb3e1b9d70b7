import type { CriterionResult, HttpCheck } from "@harness/contracts";
import { tail } from "./output.js";

/** A server that just passed its readiness probe can still refuse a connection or two. */
const CONNECT_RETRIES = 4;
const CONNECT_RETRY_MS = 250;
const REQUEST_TIMEOUT_MS = 30_000;

/** Reads `a.b[0].c` from parsed JSON. */
export function jsonPath(value: unknown, path: string): unknown {
  const parts = path.replace(/^\$\.?/, "").match(/[^.[\]]+/g) ?? [];
  let cur: unknown = value;
  for (const p of parts) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
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

function jsonFailures(text: string, expectations: Array<[string, unknown]>): string[] {
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { return ["body is not JSON"]; }
  const failures: string[] = [];
  for (const [path, expected] of expectations) {
    const got = jsonPath(parsed, path);
    if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`${path} is ${JSON.stringify(got) ?? "missing"} (expected ${JSON.stringify(expected)})`);
  }
  return failures;
}

export async function runHttpCheck(baseUrl: string, check: HttpCheck): Promise<CriterionResult> {
  const failures: string[] = [];
  let summary: string;
  let detail = "";
  try {
    const hasBody = check.body !== undefined && check.method !== "GET" && check.method !== "HEAD";
    const res = await fetchWithConnectRetry(new URL(check.path, baseUrl), {
      method: check.method,
      headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...check.headers },
      ...(hasBody ? { body: typeof check.body === "string" ? check.body : JSON.stringify(check.body) } : {}),
    });
    const text = await res.text();
    summary = `${check.method} ${check.path} -> ${res.status}`;
    detail = `content-type: ${res.headers.get("content-type") ?? "(none)"}\n\n${tail(text, 3_000)}`;
    if (res.status !== check.expectStatus) failures.push(`status ${res.status} (expected ${check.expectStatus})`);
    for (const [k, v] of Object.entries(check.expectHeaders)) {
      const got = res.headers.get(k);
      if (got === null || !got.includes(v)) failures.push(`header ${k} is ${JSON.stringify(got)} (expected to contain ${JSON.stringify(v)})`);
    }
    for (const s of check.expectBodyContains) if (!text.includes(s)) failures.push(`body does not contain ${JSON.stringify(s)}`);
    const jsonExpectations = Object.entries(check.expectJson);
    if (jsonExpectations.length > 0) failures.push(...jsonFailures(text, jsonExpectations));
  } catch (err) {
    summary = `${check.method} ${check.path} failed`;
    failures.push(`request failed: ${describeError(err)}`);
  }
  const passed = failures.length === 0;
  return {
    checkId: check.id, kind: "http", description: check.description, score: passed ? 10 : 0, threshold: 10, passed,
    evidence: [{ kind: "http", summary, detail, location: check.path }],
    feedback: passed ? "passed" : `${check.method} ${check.path}: ${failures.join("; ")}`,
  };
}
