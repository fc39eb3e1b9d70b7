import { execFileSync } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataCheck } from "@harness/contracts";
import { runDataCheck } from "./data.js";

const check = (fields: Record<string, unknown>) => DataCheck.parse({ id: "d", kind: "data", description: "hostile store", ...fields });
const within = <T>(p: Promise<T>, ms: number): Promise<T | "HUNG"> => Promise.race([p, new Promise<"HUNG">((r) => setTimeout(() => r("HUNG"), ms))]);

describe("data checks on a store the product made hostile", () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "data-hostile-"));
    await chmod(root, 0o711); // the sandbox user passes through to the workspaces below
    dir = join(root, "product");
    await mkdir(join(dir, "data", "dir.json"), { recursive: true });
    // Outside the product: a WAL-mode database whose committed rows live only in its -wal.
    await cp(join(import.meta.dirname, "fixtures", "wal"), join(root, "outside"), { recursive: true });
    await cp(join(root, "outside", "app.db"), join(dir, "data", "app.db"));
    await symlink(join(root, "outside", "app.db-wal"), join(dir, "data", "app.db-wal"));
    execFileSync("mkfifo", [join(dir, "data", "notes.json")]);
    execFileSync("mkfifo", [join(dir, "data", "fifo.db")]);
  });
  afterAll(async () => { await rm(root, { recursive: true, force: true }); });

  it("refuses a -wal that is a symlink out of the product and shows nothing read outside", async () => {
    const r = await runDataCheck(dir, check({ file: "data/app.db", format: "sqlite", query: "SELECT title FROM items ORDER BY id", json: [{ path: "$.length", gte: 1 }] }));
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain("app.db-wal");
    expect(JSON.stringify(r.evidence)).not.toMatch(/Milk|Bread/);
  });

  it("fails, without hanging, on a FIFO where the JSON store or the database should be", async () => {
    for (const [file, format] of [["data/notes.json", "json"], ["data/fifo.db", "sqlite"]] as const) {
      const r = await within(runDataCheck(dir, check({ file, format, ...(format === "sqlite" ? { query: "SELECT 1 AS x" } : {}), json: [{ path: "$.length", gte: 0 }] })), 5_000);
      expect(r).not.toBe("HUNG");
      if (r !== "HUNG") expect(r.feedback).toContain("is not a regular file");
    }
  }, 15_000);

  it("fails on a directory where the store should be", async () => {
    const r = await runDataCheck(dir, check({ file: "data/dir.json", format: "json", json: [{ path: "$.length", gte: 0 }] }));
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain("is not a regular file");
  });
});
