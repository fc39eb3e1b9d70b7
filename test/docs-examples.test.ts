import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BrowserStep, Check, SprintContract, strictInput } from "@harness/contracts";
import { REPO_ROOT } from "@harness/cli";

/*
 * The docs' JSON examples are contract data a reader copies: each is parsed with the real
 * schemas of packages/contracts, strictly (a misspelt or invented key is an error, where the
 * services would silently drop it), so the docs cannot drift from the format.
 */

const DOCS = ["README.md", ...readdirSync(join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => join("docs", f))];

/** The check-writing guide: every JSON block in it is contract data. Elsewhere, the blocks shaped like it are. */
const GUIDE = join("docs", "architecture.md");

interface Example { where: string; value: unknown }

/** Whether a JSON value is shaped like contract data: a contract, a check or a list of browser steps. */
const contractData = (v: unknown): boolean => Array.isArray(v) ? v.every((x) => typeof x === "object" && x !== null && "action" in x) : typeof v === "object" && v !== null && ("checks" in v || "kind" in v);

function examples(): Example[] {
  const out: Example[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(REPO_ROOT, doc), "utf8");
    for (const m of text.matchAll(/```json\n([\s\S]*?)```/g)) {
      const where = `${doc}:${text.slice(0, m.index).split("\n").length}`;
      let value: unknown;
      try { value = JSON.parse(m[1]!); } catch (err) { throw new Error(`${where}: not JSON: ${(err as Error).message}`, { cause: err }); }
      if (doc === GUIDE || contractData(value)) out.push({ where, value });
    }
  }
  return out;
}

const strict = { contract: strictInput(SprintContract), check: strictInput(Check), step: strictInput(BrowserStep) };

function problems(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown): string[] {
  const r = schema.safeParse(value);
  return r.success ? [] : (r.error?.issues ?? []).map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
}

/** What an example is, by its shape: a contract, a check, or a list of browser steps. */
function parse(e: Example): { checks: Check[]; contract?: SprintContract; steps: number; problems: string[] } {
  if (Array.isArray(e.value)) {
    const found = e.value.flatMap((step, i) => problems(strict.step, step).map((p) => `step ${i}: ${p}`));
    return { checks: [], steps: e.value.length, problems: found };
  }
  const v = e.value as Record<string, unknown>;
  if ("checks" in v) {
    const found = problems(strict.contract, v);
    const contract = found.length === 0 ? SprintContract.parse(v) : undefined;
    return { checks: contract?.checks ?? [], ...(contract ? { contract } : {}), steps: 0, problems: found };
  }
  if ("kind" in v) {
    const found = problems(strict.check, v);
    return { checks: found.length === 0 ? [Check.parse(v)] : [], steps: 0, problems: found };
  }
  return { checks: [], steps: 0, problems: ["neither a contract (`checks`), a check (`kind`) nor a list of browser steps"] };
}

describe("docs - every JSON example is valid contract data", () => {
  const all = examples();

  it("parses every JSON example of the docs with the contracts' schemas, unknown keys refused", () => {
    expect(all.filter((e) => e.where.startsWith(`${GUIDE}:`)).length).toBeGreaterThanOrEqual(5);
    const bad = all.flatMap((e) => parse(e).problems.map((p) => `${e.where}: ${p}`));
    expect(bad).toEqual([]);
  });

  it("shows a whole contract with its app block, every kind of check, and browser steps as JSON", () => {
    const parsed = all.map(parse);
    const contracts = parsed.flatMap((p) => (p.contract ? [p.contract] : []));
    expect(contracts.some((c) => c.app !== undefined), "a contract example with `app`").toBe(true);
    const kinds = new Set<string>(parsed.flatMap((p) => p.checks.map((c) => c.kind)));
    for (const kind of ["command", "http", "browser", "data"]) expect([kind, kinds.has(kind)]).toEqual([kind, true]);
    // Every action a browser step can take appears in some example.
    const actions = new Set(all.flatMap((e) => JSON.stringify(e.value).match(/"action":"(\w+)"/g) ?? []).map((a) => a.slice(10, -1)));
    const known = BrowserStep.options.map((o) => String(o.shape.action.value));
    expect(known.filter((a) => !actions.has(a))).toEqual([]);
  });

  it("names the deliverables and criteria each example check proves, as the review requires", () => {
    for (const e of all) {
      const { checks, contract } = parse(e);
      for (const c of checks) {
        expect([e.where, c.id, c.deliverableIds.length > 0, (c.criterionIds ?? []).length > 0]).toEqual([e.where, c.id, true, true]);
        // Inside a contract, the deliverables named are that contract's.
        if (contract) for (const d of c.deliverableIds) expect([e.where, c.id, d, contract.deliverables.some((x) => x.id === d)]).toEqual([e.where, c.id, d, true]);
      }
    }
  });
});

describe("docs - the README's command list", () => {
  it("shows every command `harness --help` lists, `evaluator add` included", () => {
    const help = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "cli", "src", "main.ts"), "--help"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 30_000 });
    expect(help.status, help.stderr).toBe(0);
    // Usage lines: two spaces, the command (two words for `evaluator add`), then its arguments.
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+(?: add)?)\b/gm)].map((m) => m[1]!);
    expect(commands).toContain("evaluator add");
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const shell = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join("\n");
    expect(commands.filter((c) => !new RegExp(`(^|[\\s|])${c}\\b`, "m").test(shell))).toEqual([]);
  });
});
