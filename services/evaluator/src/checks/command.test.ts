import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandCheck } from "@harness/contracts";
import { runCommandCheck } from "./command.js";

/** A test runner's summary, as a product's own `npm test` might print it. */
const SUMMARY = "node -e \"console.log('tests 12'); console.log('pass 12'); console.log('fail 0')\"";

describe("command check output assertions", () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "cmd-check-")); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  const run = (expectOutput: unknown[], command = SUMMARY) => runCommandCheck(dir, CommandCheck.parse({ id: "t", kind: "command", description: "tests pass", command, expectOutput }), {});

  it("holds when the exact output, a regex and a negative regex all hold", async () => {
    const r = await run([{ stream: "stdout", equals: "tests 12\npass 12\nfail 0" }, { matches: "^pass [1-9]\\d*$" }, { notMatches: "^fail [1-9]" }]);
    expect(r.passed, r.feedback).toBe(true);
  });

  it("fails output that differs from the exact text, quoting what it was", async () => {
    const r = await run([{ stream: "stdout", equals: "tests 12\npass 12" }]);
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain('stdout is "tests 12\\npass 12\\nfail 0" (expected exactly "tests 12\\npass 12")');
  });

  it("fails output that matches a pattern it must not", async () => {
    const r = await run([{ notMatches: "^fail [1-9]" }], "node -e \"console.log('pass 11'); console.log('fail 1')\"");
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain("both matches /^fail [1-9]/");
  });

  it("fails, with the reason, a contract whose pattern is not a valid regular expression", async () => {
    const r = await run([{ matches: "pass (\\d+" }]);
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain("invalid pattern /pass (\\d+/ in the contract");
  });
});
