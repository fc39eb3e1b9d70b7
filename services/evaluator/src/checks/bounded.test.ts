import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Check, CommandCheck, DataCheck, HttpCheck } from "@harness/contracts";
import { checkProblems } from "../review-rules.js";
import { testPatterns } from "./bounded.js";
import { runCommandCheck } from "./command.js";
import { runDataCheck } from "./data.js";
import { PATTERN_LIMIT_MS } from "./patterns.js";

/** Runs `work` while counting event-loop ticks: a hung loop counts none. */
async function ticking<T>(work: () => Promise<T>): Promise<{ value: T; ticks: number; ms: number }> {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 50);
  const at = Date.now();
  try {
    return { value: await work(), ticks, ms: Date.now() - at };
  } finally {
    clearInterval(timer);
  }
}

const CATASTROPHIC = "^(a+)+$";

describe("a contract's catastrophic pattern or unbounded query never hangs the evaluator", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bounded-"));
    await cp(join(import.meta.dirname, "fixtures", "wal"), join(dir, "data"), { recursive: true });
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it("stops a backtracking pattern on command output after its time limit and fails the check naming it, the event loop running meanwhile", async () => {
    const check = CommandCheck.parse({ id: "greedy", kind: "command", description: "d", command: "node -e \"process.stdout.write('a'.repeat(40) + '!')\"", expectOutput: [{ stream: "stdout", matches: CATASTROPHIC }] });
    const { value: r, ticks, ms } = await ticking(() => runCommandCheck(dir, check, {}));
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain(`check greedy's pattern /${CATASTROPHIC}/ on 41 chars did not finish within ${PATTERN_LIMIT_MS / 1_000} s and was stopped`);
    expect(r.feedback).toContain("the contract's fault, not the product's");
    expect(ms).toBeLessThan(PATTERN_LIMIT_MS + 10_000);
    expect(ticks).toBeGreaterThan(PATTERN_LIMIT_MS / 50 / 4);
    // The worker that was stopped is replaced: the next pattern is answered at once.
    expect(await testPatterns([{ pattern: "^a+!$", text: "aaa!" }, { pattern: "b", text: "aaa" }], 5_000, "t")).toEqual([true, false]);
  }, 30_000);

  it("stops a recursive query without a bound and fails the data check naming it; a query over SQLite's memory bound fails at once", async () => {
    const endless = DataCheck.parse({ id: "forever", kind: "data", description: "d", file: "data/app.db", format: "sqlite", query: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c", json: [{ path: "$[0].n", gte: 1 }] });
    const { value: r, ticks } = await ticking(() => runDataCheck(dir, endless));
    expect(r.passed).toBe(false);
    expect(r.feedback).toMatch(/check forever's query did not finish within 10 s and was stopped: a query that runs without bound \(a WITH RECURSIVE/);
    expect(ticks).toBeGreaterThan(40);
    const greedy = DataCheck.parse({ id: "huge", kind: "data", description: "d", file: "data/app.db", format: "sqlite", query: "SELECT length(randomblob(300000000)) AS n", json: [{ path: "$[0].n", gte: 1 }] });
    const { value: big, ms } = await ticking(() => runDataCheck(dir, greedy));
    expect(big.passed).toBe(false);
    expect(big.feedback).toMatch(/out of memory/);
    expect(ms).toBeLessThan(8_000);
    // Still served: an ordinary query after both.
    const ok = await runDataCheck(dir, DataCheck.parse({ id: "rows", kind: "data", description: "d", file: "data/app.db", format: "sqlite", query: "SELECT 1 AS n", json: [{ path: "$[0].n", equals: 1 }] }));
    expect(ok.passed, ok.feedback).toBe(true);
  }, 40_000);

  it("the review refuses a pattern with a repetition inside a repetition in any assertion, and keeps a separated one", () => {
    const http = (matches: string) => Check.parse(HttpCheck.parse({ id: "h", kind: "http", description: "d", path: "/api/items", expectStatus: 200, deliverableIds: ["D1"], expectBody: [{ matches }] }));
    expect(checkProblems(http("^(\\w+\\s?)*$")).join()).toMatch(/check h: the pattern \/\^\(\\w\+\\s\?\)\*\$\/ is unsafe: \(\\w\+\\s\?\)\* repeats a repetition/);
    expect(checkProblems(http("\\d+(\\.\\d+)+")).join()).not.toMatch(/unsafe/);
    const data = Check.parse({ id: "d", kind: "data", description: "d", file: "x.json", format: "json", deliverableIds: ["D1"], json: [{ path: "$.a", matches: "(.*)*z" }] });
    expect(checkProblems(data).join()).toMatch(/check d: the pattern \/\(\.\*\)\*z\/ is unsafe/);
  });
});
