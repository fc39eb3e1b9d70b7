import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CommandCheck } from "@harness/contracts";
import { analyseCommand } from "../review/command-rules.js";
import { withBoundedPatterns } from "./patterns.js";
import { textFailures } from "./text-assert.js";

/*
 * The review sees the contract, not the product: `npm test` is a fine command there. What it runs
 * is the product's own `scripts.test`, which the product can make lie: `echo '# pass 5' ; node
 * --test || true` prints a passing summary and exits 0 whatever its tests do. At evaluation the
 * product exists, so the command rules are applied to the scripts a command check runs through
 * npm, pnpm or yarn: a script whose exit status its tests do not decide, or that prints on its
 * own a text the check's assertions accept, fails the check.
 */

const MANAGER_SCRIPT = /^(npm|pnpm|yarn)\s+(?:run(?:-script)?\s+)?(\S+)$/;
const ALIASES: Record<string, string> = { t: "test", tst: "test" };
const DEPTH = 3;

/** The package scripts `command` runs (`npm test` -> test), in order. */
function scriptsRun(command: string): string[] {
  let programs;
  try { programs = analyseCommand(command).programs; } catch { return []; }
  return programs.flatMap((p) => {
    const m = MANAGER_SCRIPT.exec(p.name);
    return m && (p.role === "tests" || p.role === "product") ? [ALIASES[m[2]!] ?? m[2]!] : [];
  });
}

async function packageScripts(dir: string): Promise<Record<string, string>> {
  try {
    const scripts = (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { scripts?: unknown }).scripts;
    return scripts !== null && typeof scripts === "object" ? Object.fromEntries(Object.entries(scripts).filter((e): e is [string, string] => typeof e[1] === "string")) : {};
  } catch {
    return {};
  }
}

/** Why the product's scripts that `check` runs cannot prove what the check asserts; empty when they can. */
export async function scriptProblems(dir: string, check: CommandCheck): Promise<string[]> {
  const names = scriptsRun(check.command);
  if (names.length === 0) return [];
  const scripts = await packageScripts(dir);
  const problems: string[] = [];
  const literal: string[] = [];
  const visit = (name: string, depth: number): void => {
    for (const n of [`pre${name}`, name, `post${name}`]) {
      const body = scripts[n];
      if (body === undefined) continue;
      let a;
      try { a = analyseCommand(body); } catch { continue; }
      if (!a.statusFromProduct && a.hidden.length > 0) {
        problems.push(`the product's "${n}" script (\`${body.slice(0, 200)}\`) decides its exit status by \`${a.decider}\`, not by ${a.hidden.map((h) => `\`${h}\``).join(", ")}: it exits 0 whatever its tests do, so this check proves nothing; the script must end with its test run (no \`|| true\`, \`; exit 0\`)`);
      }
      literal.push(...a.literal);
      if (depth < DEPTH) for (const inner of scriptsRun(body)) visit(inner, depth + 1);
    }
  };
  for (const name of names) visit(name, 1);
  const own = literal.join("\n");
  if (own.trim() !== "") {
    // A summary the script prints by itself (echo '# pass 5') must not be what the check accepts.
    const positive = check.expectOutput.filter((a) => a.contains !== undefined || a.matches !== undefined);
    const held = await withBoundedPatterns(check.id, (m) => positive.filter((a) => textFailures({ ...(a.contains !== undefined ? { contains: a.contains } : {}), ...(a.matches !== undefined ? { matches: a.matches } : {}) }, own, "text", m).length === 0));
    for (const a of held) problems.push(`the product's scripts print ${JSON.stringify(own.slice(0, 120))} by themselves, which the assertion ${JSON.stringify(a.contains ?? a.matches)} accepts: the output it judges is partly the script's own words, not its tests'`);
  }
  return problems;
}
