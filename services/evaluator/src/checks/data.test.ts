import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataCheck } from "@harness/contracts";
import { runDataCheck } from "./data.js";

const check = (fields: Record<string, unknown>) => DataCheck.parse({ id: "d", kind: "data", description: "the store holds the item", ...fields });

describe("data checks on what the product stored", () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "data-check-"));
    await chmod(root, 0o711); // the sandbox user passes through to the workspaces below
    dir = join(root, "product");
    await mkdir(join(dir, "data"), { recursive: true });
    await writeFile(join(dir, "data", "items.json"), JSON.stringify({ items: [{ id: 1, title: "Milk", done: false }, { id: 2, title: "Bread", done: true }] }));
    await writeFile(join(dir, "data", "broken.json"), "{ items: [");
    await writeFile(join(root, "secret.json"), JSON.stringify({ token: "outside" }));
    await symlink(join(root, "secret.json"), join(dir, "data", "link.json"));
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL)");
    db.run("INSERT INTO items (title, done) VALUES ('Milk', 0), ('Bread', 1)");
    await writeFile(join(dir, "data", "app.db"), db.export());
    db.close();
    await cp(join(import.meta.dirname, "fixtures", "wal"), join(dir, "wal"), { recursive: true });
  });
  afterAll(async () => { await rm(root, { recursive: true, force: true }); });

  it("asserts on a stored JSON file and shows an excerpt of it as evidence", async () => {
    const r = await runDataCheck(dir, check({ file: "data/items.json", format: "json", json: [{ path: "$.items.length", equals: 2 }, { path: "$.items[1]", equals: { id: 2, title: "Bread", done: true } }, { path: "$.items[0].deleted", absent: true }] }));
    expect(r.passed, r.feedback).toBe(true);
    expect(r.evidence[0]).toMatchObject({ kind: "data", summary: "read data/items.json", location: "data/items.json" });
    expect(r.evidence[0]!.detail).toContain('"title":"Bread"');
  });

  it("fails stored JSON that does not hold, naming the path and the value found", async () => {
    const r = await runDataCheck(dir, check({ file: "data/items.json", format: "json", json: [{ path: "$.items[0].done", equals: true }] }));
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe("data in data/items.json: $.items[0].done is false (expected true)");
  });

  it("fails a file the product never wrote, and one that is not JSON", async () => {
    const missing = await runDataCheck(dir, check({ file: "data/none.json", format: "json", json: [{ path: "$", exists: true }] }));
    expect(missing.feedback).toBe("data in data/none.json: data/none.json does not exist: the product stored nothing there");
    const broken = await runDataCheck(dir, check({ file: "data/broken.json", format: "json", json: [{ path: "$", exists: true }] }));
    expect(broken.passed).toBe(false);
    expect(broken.feedback).toContain("data/broken.json is not JSON");
  });

  it.each([["../secret.json", "'..' climbs out"], ["/etc/passwd", "absolute paths are not allowed"], ["data/link.json", "resolves outside the workspace"]])(
    "refuses to read %s, outside the product's directory", async (file, why) => {
      const r = await runDataCheck(dir, check({ file, format: "json", json: [{ path: "$", exists: true }] }));
      expect(r.passed).toBe(false);
      expect(r.feedback).toContain(why);
      expect(JSON.stringify(r.evidence)).not.toContain("outside\"");
    });

  it("asserts on the rows of a SELECT on a SQLite file, as objects by column", async () => {
    const r = await runDataCheck(dir, check({ file: "data/app.db", format: "sqlite", query: "SELECT id, title, done FROM items ORDER BY id", json: [{ path: "$.length", equals: 2 }, { path: "$[0]", equals: { id: 1, title: "Milk", done: 0 } }] }));
    expect(r.passed, r.feedback).toBe(true);
    expect(r.evidence[0]!.detail).toContain("-> 2 row(s)");
  });

  it("fails SQLite rows that do not hold", async () => {
    const r = await runDataCheck(dir, check({ file: "data/app.db", format: "sqlite", query: "SELECT title FROM items WHERE done = 1", json: [{ path: "$", contains: { title: "Milk" } }] }));
    expect(r.passed).toBe(false);
    expect(r.feedback).toBe('data in data/app.db: $ is [{"title":"Bread"}] (expected it to contain {"title":"Milk"})');
  });

  it("reads the rows an app in WAL mode has not checkpointed into the database file yet", async () => {
    const r = await runDataCheck(dir, check({ file: "wal/app.db", format: "sqlite", query: "SELECT title FROM items ORDER BY id", json: [{ path: "$", equals: [{ title: "Milk" }, { title: "Bread" }] }] }));
    expect(r.passed, r.feedback).toBe(true);
  });

  it.each([
    ["DELETE FROM items", "the query must be a SELECT"],
    ["SELECT 1; DELETE FROM items", "the query must be one statement, got 2"],
    ["WITH gone AS (SELECT 1) DELETE FROM items", "attempt to write a readonly database"],
    ["SELECT nope FROM items", "the query failed: no such column: nope"],
  ])("refuses or fails the query %s without changing the data", async (query, why) => {
    const r = await runDataCheck(dir, check({ file: "data/app.db", format: "sqlite", query, json: [{ path: "$", exists: true }] }));
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain(why);
    const after = await runDataCheck(dir, check({ file: "data/app.db", format: "sqlite", query: "SELECT count(*) AS n FROM items", json: [{ path: "$[0].n", equals: 2 }] }));
    expect(after.passed, after.feedback).toBe(true);
  });

  it("fails a file that is not a SQLite database", async () => {
    const r = await runDataCheck(dir, check({ file: "data/items.json", format: "sqlite", query: "SELECT 1", json: [{ path: "$", exists: true }] }));
    expect(r.passed).toBe(false);
    expect(r.feedback).toContain("data in data/items.json:");
  });
});
