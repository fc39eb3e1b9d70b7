import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { saveToken, stackToken } from "./local-stack.js";

const dirs: string[] = [];
const dataDir = () => { const d = mkdtempSync(join(tmpdir(), "token-")); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe("the local stack's API token", () => {
  it("keeps a token up generated for the next up, in a file only its owner reads", () => {
    const dir = dataDir();
    const first = stackToken(dir, undefined);
    writeFileSync(join(dir, "token"), "loose", { mode: 0o644 });
    saveToken(dir, first, true);
    expect(statSync(join(dir, "token")).mode & 0o777).toBe(0o600);
    expect(stackToken(dir, undefined)).toBe(first);
  });

  it("never reuses a token that came from the environment once it is gone", () => {
    const dir = dataDir();
    saveToken(dir, "a-deployment-token-from-the-env", false);
    const next = stackToken(dir, undefined);
    expect(next).not.toBe("a-deployment-token-from-the-env");
    expect(next.length).toBeGreaterThanOrEqual(32);
    expect(stackToken(dir, "given")).toBe("given");
  });
});
