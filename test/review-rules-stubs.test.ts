import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Browser } from "playwright-core";
import { Feature, SprintContract, type BrowserCheck, type Check, type CommandCheck, type DataCheck, type HttpCheck } from "@harness/contracts";
import { launchBrowser, runBrowserCheck } from "../services/evaluator/src/checks/browser.js";
import { runCommandCheck } from "../services/evaluator/src/checks/command.js";
import { runDataCheck } from "../services/evaluator/src/checks/data.js";
import { runHttpCheck } from "../services/evaluator/src/checks/http.js";
import { contractProblems } from "../services/evaluator/src/review-rules.js";
import { parseShell, simpleCommands } from "../services/evaluator/src/review/shell.js";
import { STRONG_CONTRACTS } from "../services/evaluator/src/review/strong-contracts.js";
import { scriptedContracts } from "./support/scripted-contracts.js";

/*
 * The mechanical proof of the review rules: every check of every contract they approve (the
 * strong contracts of the rules' own table and every contract the repo's scripted models
 * propose) fails against stub products, run through the evaluator's real runners. A check that
 * passed against a stub would be a check the rules let through that cannot tell a product from
 * nothing. Rubric criteria are graded by the judge and never count as proof, so they are left out.
 * The stubs: a server answering 200 `{}` to everything, a blank page, programs and test runners
 * that exit 0 printing nothing, and a store that holds nothing (no file, `{}`, `[]`, a SQLite
 * database whose tables are empty).
 */

const CHROMIUM = process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium";

/**
 * A SQLite database holding, empty, every table the query reads (after FROM or JOIN), each with a
 * column for every word of the query: the schema a product that stored nothing would have.
 */
async function emptyTables(query: string): Promise<Uint8Array> {
  const SQL = await (createRequire(import.meta.url)("sql.js") as () => Promise<{ Database: new () => { run(sql: string): void; export(): Uint8Array; close(): void } }>)();
  const db = new SQL.Database();
  const words = [...new Set(query.match(/[A-Za-z_]\w*/g) ?? [])];
  for (const m of query.matchAll(/\b(?:FROM|JOIN)\s+["`[]?(\w+)/gi)) db.run(`CREATE TABLE IF NOT EXISTS "${m[1]}" (${words.map((w) => `"${w}"`).join(", ")})`);
  const bytes = db.export();
  db.close();
  return bytes;
}
const RUNNERS = ["vitest", "jest", "mocha", "ava", "tap", "pytest", "py.test", "playwright"];

function serve(contentType: string, body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => { res.writeHead(200, { "content-type": contentType }); res.end(body); });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const addr = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` });
  }));
}

/**
 * A product directory where every program the command names exists and does nothing: scripts
 * that exit 0 printing nothing, a package whose scripts do the same, test runners on PATH that
 * do the same, python modules run with -m that are empty.
 */
async function stubProduct(root: string, check: CommandCheck): Promise<{ dir: string; PATH: string }> {
  const dir = await mkdtemp(join(root, `${check.id}-`));
  const bin = join(dir, ".stub-bin");
  await mkdir(bin, { recursive: true });
  for (const r of RUNNERS) {
    await writeFile(join(bin, r), "#!/bin/sh\nexit 0\n");
    await chmod(join(bin, r), 0o755);
  }
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "stub", version: "1.0.0", scripts: { test: "exit 0", start: "exit 0", build: "exit 0" } }));
  const words = simpleCommands(parseShell(check.command)).flatMap((c) => c.words.map((w) => w.text));
  const files = new Set<string>();
  for (const w of words) {
    if (/^[\w./-]+\.(m?[jt]s|cjs|py|sh)$/.test(w) && !w.startsWith("-")) files.add(w);
    for (const m of w.matchAll(/['"`](\.{1,2}\/[\w./-]+)['"`]/g)) files.add(m[1]!);
  }
  for (const [i, w] of words.entries()) if (w === "-m" && /^[\w.]+$/.test(words[i + 1] ?? "")) files.add(`${words[i + 1]!.replace(/\./g, "/")}/__main__.py`);
  for (const f of files) {
    const path = join(dir, f);
    if (!path.startsWith(dir)) continue;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.endsWith(".sh") ? "exit 0\n" : "");
  }
  return { dir, PATH: `${bin}:${process.env["PATH"] ?? ""}` };
}

describe("review rules - every check of every approved contract fails against stub products", () => {
  let json: { server: Server; url: string };
  let blank: { server: Server; url: string };
  let browser: Browser;
  let root: string;
  const contracts: Array<{ name: string; contract: SprintContract; features: Feature[] }> = [];

  beforeAll(async () => {
    json = await serve("application/json", "{}");
    blank = await serve("text/html", "<!doctype html><html><head><title></title></head><body></body></html>");
    browser = await launchBrowser(CHROMIUM);
    root = await mkdtemp(join(tmpdir(), "review-stubs-"));
    await chmod(root, 0o711); // the sandbox user passes through to the workspaces below
    contracts.push(...STRONG_CONTRACTS.map((s) => ({ name: s.name, contract: SprintContract.parse(s.contract), features: s.features.map((f) => Feature.parse(f)) })));
    contracts.push(...await scriptedContracts());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    json?.server.close();
    blank?.server.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("the rules approve every one of these contracts", () => {
    expect(contracts.length).toBeGreaterThanOrEqual(20);
    for (const c of contracts) expect(contractProblems(c.contract, c.features), c.name).toEqual([]);
  });

  it("every command check fails on a product whose programs and tests exit 0 printing nothing", async () => {
    const checks = contracts.flatMap((c) => c.contract.checks.filter((x): x is CommandCheck => x.kind === "command").map((check) => ({ name: c.name, check })));
    expect(checks.length).toBeGreaterThanOrEqual(15);
    const results = await Promise.all(checks.map(async ({ name, check }) => {
      const { dir, PATH } = await stubProduct(root, check);
      const r = await runCommandCheck(dir, { ...check, timeoutMs: 30_000 }, { PATH, CI: "true" });
      return { name: `${name} / ${check.id}`, passed: r.passed, feedback: r.feedback };
    }));
    expect(results.filter((r) => r.passed)).toEqual([]);
  }, 120_000);

  it("every http check fails against a server answering 200 {} and one answering a blank page", async () => {
    const checks = contracts.flatMap((c) => c.contract.checks.filter((x): x is HttpCheck => x.kind === "http").map((check) => ({ name: c.name, check })));
    expect(checks.length).toBeGreaterThanOrEqual(15);
    const results = await Promise.all(checks.flatMap(({ name, check }) => [json, blank].map(async (stub) => {
      const r = await runHttpCheck(stub.url, check);
      return { name: `${name} / ${check.id} @ ${stub === json ? "{}" : "blank"}`, passed: r.passed };
    })));
    expect(results.filter((r) => r.passed)).toEqual([]);
  });

  it("every browser check fails on a blank page", async () => {
    const checks = contracts.flatMap((c) => c.contract.checks.filter((x): x is BrowserCheck => x.kind === "browser").map((check) => ({ name: c.name, check })));
    expect(checks.length).toBeGreaterThanOrEqual(10);
    // All at once in one browser: each fails at its first step after a step timeout.
    const results = await Promise.all(checks.map(async ({ name, check }) => {
      const { result } = await runBrowserCheck(browser, blank.url, check);
      return { name: `${name} / ${check.id}`, passed: result.passed };
    }));
    expect(results.filter((r) => r.passed)).toEqual([]);
  }, 120_000);

  it("every data check fails on a store with nothing in it: no file, {} or [], an empty SQLite database", async () => {
    const checks = contracts.flatMap((c) => c.contract.checks.filter((x): x is DataCheck => x.kind === "data").map((check) => ({ name: c.name, check })));
    expect(checks.length).toBeGreaterThanOrEqual(3);
    expect(checks.some(({ check }) => check.format === "sqlite")).toBe(true);
    const results = await Promise.all(checks.flatMap(({ name, check }) => [undefined, "{}", "[]", "empty tables"].map(async (content) => {
      const dir = await mkdtemp(join(root, `${check.id}-`));
      if (content !== undefined && (check.format === "json") !== (content === "empty tables")) {
        await mkdir(dirname(join(dir, check.file)), { recursive: true });
        await writeFile(join(dir, check.file), content === "empty tables" ? await emptyTables(check.query ?? "") : content);
      }
      const r = await runDataCheck(dir, check);
      return { name: `${name} / ${check.id} @ ${content ?? "no file"}`, passed: r.passed };
    })));
    expect(results.filter((r) => r.passed)).toEqual([]);
  });

  it("leaves out only rubric criteria, which the rules never count as proof", () => {
    const kinds = new Set(contracts.flatMap((c) => c.contract.checks.map((x: Check) => x.kind)));
    expect([...kinds].filter((k) => !["command", "http", "browser", "data", "rubric"].includes(k))).toEqual([]);
  });
});
