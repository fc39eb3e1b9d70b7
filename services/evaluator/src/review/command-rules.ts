import type { CommandCheck } from "@harness/contracts";
import { CRASH_OUTPUTS, EMPTY_OUTPUTS, provesTestsFailed, provesTestsPassed, RUNNER_SUMMARIES, textHolds, textIsPositive } from "./assertions.js";
import { parseShell, programOfCommand, ShellSyntaxError, type Program } from "./programs.js";
import type { AndOr, Command, Pipeline, Script, SimpleCommand } from "./shell.js";

/** What the rules read out of a command: the programs that run and what decides its status. */
export interface CommandAnalysis {
  programs: Program[];
  /** Text the command prints from its own literals (echo, printf, inline code, here-documents). */
  literal: string[];
  /** A product failure shows in the exit status. */
  statusFromProduct: boolean;
  /** The program whose status is the command's when that is not the product's. */
  decider: string;
  control: string[];
  /** Programs of the product whose failure the command hides (`a; b`, `a || b`, `a | b`). */
  hidden: string[];
  /** Some program computes printed text from the command's own words: any expected text may be the command's own. */
  computed: boolean;
}

interface Flags { errexit: boolean; pipefail: boolean; xtrace: boolean }

class Analyser {
  readonly programs: Program[] = [];
  readonly control: string[] = [];
  private readonly seen = new Map<SimpleCommand, Program>();

  /** Files the check itself writes (`echo ... > t.js`): running one runs the check's own code, not the product. */
  private readonly written = new Set<string>();

  program(c: SimpleCommand, stdinFed: boolean): Program {
    let p = this.seen.get(c);
    if (!p) {
      p = programOfCommand(c, stdinFed);
      const file = (f: string) => f.replace(/^\.\//, "");
      const script = p.role === "product" ? p.name.split(" ")[1] : undefined;
      if (script !== undefined && this.written.has(file(script))) p = { role: "literal", name: `${p.name} (a script the check wrote)`, literal: [], sourceReads: [], computed: true };
      for (const r of c.redirects) if ((r.op === ">" || r.op === ">>" || r.op === ">|") && r.target !== "/dev/null") this.written.add(file(r.target));
      this.seen.set(c, p);
      if (c.keyword) this.control.push(c.keyword);
      if (p.nested) this.walk(p.nested, { errexit: false, pipefail: false, xtrace: false });
      else this.programs.push(p);
      for (const w of c.words) for (const s of w.subs) this.walk(s, { errexit: false, pipefail: false, xtrace: false });
    }
    return p;
  }

  /** Visits every command once (so every program is classified) and returns whether the script's status reflects the product. */
  walk(script: Script, flags: Flags): boolean {
    let surfaced = false;
    let last = false;
    for (const [i, { andOr, background }] of script.items.entries()) {
      const r = this.andOr(andOr, flags);
      if (background) continue;
      if (flags.errexit && r.lastReflects) surfaced = true;
      if (i === script.items.length - 1) last = r.reflects;
      this.applySet(andOr, flags);
    }
    return surfaced || last;
  }

  /** Product programs whose failure does not reach the exit status (background servers excepted). */
  readonly hidden: Program[] = [];

  /** Walks the script again, following which failures reach the final status. */
  mark(script: Script, flags: Flags, surfaces: boolean, exempt = false): void {
    for (const [i, { andOr, background }] of script.items.entries()) {
      const final = i === script.items.length - 1;
      for (const [k, p] of andOr.pipelines.entries()) {
        const viaFinal = final && andOr.ops.slice(k).every((op) => op === "&&");
        const viaErrexit = flags.errexit && k === andOr.pipelines.length - 1;
        const pSurfaces = surfaces && !background && !p.negated && (viaFinal || viaErrexit);
        for (const [j, c] of p.commands.entries()) {
          const cSurfaces = pSurfaces && (j === p.commands.length - 1 || flags.pipefail);
          if (c.kind === "group") { this.mark(c.body, { ...flags }, cSurfaces, exempt || background); continue; }
          const prog = this.program(c, j > 0);
          for (const w of c.words) for (const sub of w.subs) this.mark(sub, { errexit: false, pipefail: false, xtrace: false }, false, exempt || background);
          if (prog.nested) this.mark(prog.nested, { errexit: false, pipefail: false, xtrace: false }, cSurfaces && !c.keyword, exempt || background);
          else if ((prog.role === "product" || prog.role === "tests") && !(cSurfaces && !c.keyword) && !exempt && !background) this.hidden.push(prog);
        }
      }
      this.applySet(andOr, flags);
    }
  }

  private applySet(andOr: AndOr, flags: Flags): void {
    for (const p of andOr.pipelines) for (const c of p.commands) {
      if (c.kind !== "simple" || c.words[0]?.text !== "set") continue;
      const args = c.words.slice(1).map((w) => w.text);
      for (const [i, a] of args.entries()) {
        if (/^-[a-z]+$/.test(a) && a !== "-o") { if (a.includes("e")) flags.errexit = true; if (a.includes("x")) flags.xtrace = true; if (a.includes("o") && args[i + 1] === "pipefail") flags.pipefail = true; }
        if (a === "-o" && args[i + 1] === "pipefail") flags.pipefail = true;
        if (a === "-o" && args[i + 1] === "errexit") flags.errexit = true;
        if (a === "-o" && args[i + 1] === "xtrace") flags.xtrace = true;
      }
    }
  }

  private andOr(a: AndOr, flags: Flags): { reflects: boolean; lastReflects: boolean } {
    const each = a.pipelines.map((p) => this.pipeline(p, flags));
    const reflects = each.some((r, k) => r && a.ops.slice(k).every((op) => op === "&&"));
    return { reflects, lastReflects: each[each.length - 1] === true };
  }

  /** Some program prints text it computes from the command's own words, and that text reaches the output. */
  computed = false;

  private pipeline(p: Pipeline, flags: Flags): boolean {
    const each = p.commands.map((c, i) => this.command(c, i > 0, flags));
    // Computed text piped into the product is its input; piped into a filter or nothing, it is the output.
    for (const [i, c] of p.commands.entries()) {
      if (c.kind !== "simple" || !this.seen.get(c)?.computed || this.seen.get(c)?.silenced) continue;
      const fedToProduct = p.commands.slice(i + 1).some((d) => d.kind === "group" || ["product", "tests"].includes(this.seen.get(d)?.role ?? ""));
      if (!fedToProduct) this.computed = true;
    }
    if (p.negated) return false;
    return flags.pipefail ? each.some(Boolean) : each[each.length - 1] === true;
  }

  private command(c: Command, stdinFed: boolean, flags: Flags): boolean {
    if (c.kind === "group") return this.walk(c.body, { ...flags });
    const p = this.program(c, stdinFed);
    if (c.keyword) return false;
    if (p.nested) return this.walk(p.nested, { errexit: false, pipefail: false, xtrace: false });
    return p.role === "product" || p.role === "tests";
  }
}

function lastProgram(script: Script, a: Analyser): string {
  const item = script.items.filter((x) => !x.background).at(-1);
  const cmd = item?.andOr.pipelines.at(-1)?.commands.at(-1);
  if (!cmd) return "nothing";
  if (cmd.kind === "group") return lastProgram(cmd.body, a);
  if (cmd.keyword) return cmd.keyword;
  return a.program(cmd, false).name;
}

export function analyseCommand(command: string): CommandAnalysis {
  const script = parseShell(command);
  const a = new Analyser();
  const flags: Flags = { errexit: false, pipefail: false, xtrace: false };
  const statusFromProduct = a.walk(script, flags);
  a.mark(script, { errexit: false, pipefail: false, xtrace: false }, true);
  const literal = a.programs.flatMap((p) => p.literal).filter((t) => t.trim() !== "");
  // `set -x` prints every command to stderr: the command's whole text is then its own output.
  if (flags.xtrace || /\b(sh|bash)\s+-\w*x/.test(command)) literal.push(command);
  return { programs: a.programs, literal, statusFromProduct, decider: lastProgram(script, a), control: a.control, hidden: a.hidden.map((p) => p.name), computed: a.computed };
}

const q = (s: string): string => JSON.stringify(s);
const list = (xs: readonly string[]): string => [...new Set(xs)].map((x) => `\`${x}\``).join(", ");

/** Why a command check cannot fail for a broken product, or nothing. */
export function commandProblems(c: CommandCheck): string[] {
  let an: CommandAnalysis;
  try { an = analyseCommand(c.command); } catch (err) {
    if (err instanceof ShellSyntaxError) return [`check ${c.id}: its command cannot be read as a shell command (${err.message}); write a plain command line`];
    throw err;
  }
  const problems: string[] = [];
  const runs = an.programs.filter((p) => p.role === "product" || p.role === "tests");
  const sourceReads = an.programs.flatMap((p) => p.sourceReads);
  if (runs.length === 0) {
    problems.push(`check ${c.id}: its command runs none of the product's programs or tests (it runs only ${list(an.programs.map((p) => p.name)) || "nothing"}), so it passes whatever was built; run the product, its tests or call it (e.g. \`node cli.js add 2 3\`, \`node --test\`), and assert what it prints`);
    return problems;
  }
  if (runs.every((p) => p.silenced) && c.expectOutput.some(textIsPositive)) problems.push(`check ${c.id}: the standard output of ${list(runs.map((p) => p.name))} goes to /dev/null, so what the check asserts is not what the product prints; let the product's output reach the check`);
  if (sourceReads.length > 0) problems.push(`check ${c.id}: its command reads the product's source (${list(sourceReads)}), which proves what the code says, not what it does; assert on what the running product prints instead`);
  if (an.control.length > 0) problems.push(`check ${c.id}: its command uses shell control flow (${list(an.control)}), which can turn a failure into success; run the product directly and let its exit status and output decide`);
  else if (!an.statusFromProduct) problems.push(`check ${c.id}: its exit status is decided by \`${an.decider}\`, not by the product, so expectExitCode ${c.expectExitCode} holds whatever the product does; remove \`|| ...\`, \`; exit\`, trailing commands and pipes into other programs (or start with \`set -o pipefail\`)`);
  else if (an.hidden.length > 0) problems.push(`check ${c.id}: its command hides a failure of ${list(an.hidden)} (after it comes \`;\`, \`||\` or a pipe), so the check can pass when that program fails; join the commands with \`&&\` (or start with \`set -eo pipefail\`)`);
  if (c.expectExitCode === 126 || c.expectExitCode === 127) problems.push(`check ${c.id}: expectExitCode ${c.expectExitCode} is what the shell answers for a missing program; expect the exit code the product itself decides`);
  problems.push(...outputProblems(c, an));
  const runner = runs.find((p) => p.role === "tests");
  if (runner && c.expectExitCode === 0 && !provesTestsPassed(c.expectOutput, runner.name)) {
    problems.push(`check ${c.id}: it runs tests (\`${runner.name}\`) but no output assertion proves that tests ran and passed (a count of passing tests above zero and zero failures); a suite of no tests passes it. Assert on the runner's summary, e.g. for ${RUNNER_SUMMARIES[0]!.runner}: ${RUNNER_SUMMARIES[0]!.example}`);
  }
  if (runner && c.expectExitCode !== 0 && !provesTestsFailed(c.expectOutput, runner.name)) {
    problems.push(`check ${c.id}: it expects the tests (\`${runner.name}\`) to fail but no output assertion proves that tests ran and one failed on an assertion; a missing or crashing suite fails too. Assert on the runner's summary, e.g. for ${RUNNER_SUMMARIES[0]!.runner}: {"matches": "# fail [1-9]"}`);
  }
  return problems;
}

/**
 * A command check needs a positive output assertion only the product's run can satisfy: not on
 * empty output or a crash, and not on text the command prints from its own literals.
 */
function outputProblems(c: CommandCheck, an: CommandAnalysis): string[] {
  const positive = c.expectOutput.filter(textIsPositive);
  if (positive.length === 0) return [`check ${c.id}: it asserts nothing the product prints (${c.expectOutput.length === 0 ? "no output assertion" : "only what the output must not contain"}), and a product that exits ${c.expectExitCode} printing nothing passes it; add expectOutput with \`contains\`, \`equals\` or \`matches\` on what the product must print`];
  // A crash exits non-zero: its output matters only when the check expects a non-zero exit.
  const broken = positive.filter((a) => [...EMPTY_OUTPUTS, ...(c.expectExitCode !== 0 ? CRASH_OUTPUTS : [])].some((o) => textHolds(a, o)));
  const literal = positive.filter((a) => !broken.includes(a) && (an.computed || literalSatisfies(a, an.literal)));
  if (broken.length + literal.length < positive.length) return [];
  const why = [
    ...broken.map((a) => `${describe(a)} also holds on empty output${c.expectExitCode !== 0 ? " or on a crash's output" : ""}`),
    ...literal.map((a) => an.computed ? `${describe(a)} may be printed by the command's own text (it computes printed text from its own words: a format, an expansion, inline code or a decoder)` : `${describe(a)} is satisfied by the command's own text (${list(an.literal.map((t) => t.slice(0, 60)))})`),
  ];
  return [`check ${c.id}: no output assertion depends on the product: ${why.join("; ")}; assert on what only the product's run prints`];
}

const tokens = (t: string): string[] => t.match(/[\p{L}\p{N}_]+/gu) ?? [];

/**
 * Could the command's own literals print text the assertion accepts? Tried on each literal, its
 * lines and quoted strings, and (for inline code such as `console.log('sum', 5)`) on its words:
 * an expected text made only of words the command itself contains is not evidence.
 */
function literalSatisfies(a: CommandCheck["expectOutput"][number], literals: readonly string[]): boolean {
  const pieces = literals.flatMap((t) => [t, `${t}\n`, ...t.split("\n"), ...[...t.matchAll(/(['"`])((?:(?!\1).)*)\1/g)].map((m) => m[2] ?? ""), tokens(t).join(" ")]);
  if (pieces.some((t) => textHolds(a, t))) return true;
  const words = new Set(literals.flatMap(tokens));
  const expected = a.equals ?? a.contains;
  return expected !== undefined && tokens(expected).length > 0 && tokens(expected).every((w) => words.has(w));
}

function describe(a: CommandCheck["expectOutput"][number]): string {
  if (a.equals !== undefined) return `equals ${q(a.equals)}`;
  if (a.contains !== undefined) return `contains ${q(a.contains)}`;
  return `matches /${a.matches ?? ""}/`;
}
