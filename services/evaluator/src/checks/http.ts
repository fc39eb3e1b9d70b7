import type { CriterionResult, HttpCheck } from "@harness/contracts";
import { tail } from "./output.js";

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

export async function runHttpCheck(baseUrl: string, check: HttpCheck): Promise<CriterionResult> {
  const failures: string[] = [];
  let summary = "";
  let detail = "";
  try {
    const hasBody = check.body !== undefined && check.method !== "GET" && check.method !== "HEAD";
    const res = await fetch(new URL(check.path, baseUrl), {
      method: check.method,
      headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...check.headers },
      ...(hasBody ? { body: typeof check.body === "string" ? check.body : JSON.stringify(check.body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    summary = `${check.method} ${check.path} -> ${res.status}`;
    detail = tail(text, 3_000);
    if (res.status !== check.expectStatus) failures.push(`status ${res.status} (expected ${check.expectStatus})`);
    for (const [k, v] of Object.entries(check.expectHeaders)) {
      const got = res.headers.get(k);
      if (got === null || !got.includes(v)) failures.push(`header ${k} is ${JSON.stringify(got)} (expected to contain ${JSON.stringify(v)})`);
    }
    for (const s of check.expectBodyContains) if (!text.includes(s)) failures.push(`body does not contain ${JSON.stringify(s)}`);
    const jsonExpectations = Object.entries(check.expectJson);
    if (jsonExpectations.length > 0) {
      let parsed: unknown;
      try { parsed = JSON.parse(text); } catch { failures.push("body is not JSON"); }
      if (parsed !== undefined) {
        for (const [path, expected] of jsonExpectations) {
          const got = jsonPath(parsed, path);
          if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`${path} is ${JSON.stringify(got)} (expected ${JSON.stringify(expected)})`);
        }
      }
    }
  } catch (err) {
    summary = `${check.method} ${check.path} failed`;
    failures.push(`request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const passed = failures.length === 0;
  return {
    checkId: check.id, kind: "http", description: check.description, score: passed ? 10 : 0, threshold: 10, passed,
    evidence: [{ kind: "http", summary, detail, location: check.path }],
    feedback: passed ? "passed" : `${check.method} ${check.path}: ${failures.join("; ")}`,
  };
}
