import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandCheck } from "@harness/contracts";
import { runCommandCheck } from "./command.js";

/** A product whose only test fails, with `scripts.test` as given. */
async function product(root: string, name: string, test: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, scripts: { test } }));
  await writeFile(join(dir, "sum.test.js"), "const test = require('node:test');\nconst assert = require('node:assert');\ntest('adds', () => assert.strictEqual(1 + 1, 3));\n");
  return dir;
}

// The check a reviewer approves for "the tests run and pass": the TAP summary, a count above zero, no failure.
const check = CommandCheck.parse({ id: "suite", kind: "command", description: "the tests pass", command: "npm test", deliverableIds: ["D1"], expectOutput: [{ stream: "stdout", matches: "# pass [1-9]" }, { stream: "stdout", contains: "# fail 0" }] });

describe("a command check through npm: the product's own script cannot fake a passing run", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "scripts-"));
    await chmod(root, 0o711); // commands run as the sandbox user, who passes through to the products below
  });
  afterAll(async () => { await rm(root, { recursive: true, force: true }); });

  it("fails a script that prints a passing summary of its own and discards its tests' status, naming both", async () => {
    const dir = await product(root, "fake", "printf '# pass 5\\n# fail 0\\n' ; node --test || true");
    const r = await runCommandCheck(dir, check, { CI: "true" });
    expect(r.passed, r.feedback).toBe(false);
    expect(r.feedback).toContain("the product's \"test\" script (`printf '# pass 5\\n# fail 0\\n' ; node --test || true`) decides its exit status by `true`, not by `node --test`");
    expect(r.feedback).toMatch(/the product's scripts print .*# pass 5.* by themselves, which the assertion "# pass \[1-9\]" accepts/);
  }, 60_000);

  it("follows npm run into the script it calls, and leaves an honest script to its tests", async () => {
    const nested = await product(root, "nested", "npm run unit");
    await writeFile(join(nested, "package.json"), JSON.stringify({ name: "nested", version: "1.0.0", private: true, scripts: { test: "npm run unit", unit: "node --test; exit 0" } }));
    const r = await runCommandCheck(nested, check, { CI: "true" });
    expect(r.feedback).toContain("the product's \"unit\" script (`node --test; exit 0`) decides its exit status by `exit 0`");
    // An honest script whose test fails: failed by its own output and status, with no script complaint.
    const honest = await runCommandCheck(await product(root, "honest", "node --test"), check, { CI: "true" });
    expect(honest.passed).toBe(false);
    expect(honest.feedback).not.toContain("script");
    expect(honest.feedback).toContain("exit code 1");
  }, 60_000);
});
