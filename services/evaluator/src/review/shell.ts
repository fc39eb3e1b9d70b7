/**
 * A small POSIX-shell reader, enough for the review rules to see which programs a command check
 * runs, what decides its exit status and which text it prints from its own literals. It is not
 * an interpreter: expansions are kept as text, control flow is only noticed.
 */

export interface Word {
  /** The word after quote removal; expansions (`$X`, `$(..)`) stay as written. */
  text: string;
  /** Command substitutions inside the word, parsed. */
  subs: Script[];
}

export interface Redirect { op: string; target: string; heredoc?: string; /** The file descriptor written before the operator (`2>`), if any. */ fd?: string }

export interface SimpleCommand { kind: "simple"; words: Word[]; redirects: Redirect[]; keyword?: string }
export interface GroupCommand { kind: "group"; body: Script; redirects: Redirect[] }
export type Command = SimpleCommand | GroupCommand;

export interface Pipeline { negated: boolean; commands: Command[] }
export interface AndOr { pipelines: Pipeline[]; ops: Array<"&&" | "||"> }
export interface Script { items: Array<{ andOr: AndOr; background: boolean }> }

export class ShellSyntaxError extends Error {}

type Token = { t: "word"; word: Word } | { t: "op"; op: string } | { t: "redir"; op: string; fd?: string };

const CONTROL = new Set(["if", "then", "else", "elif", "fi", "while", "until", "for", "do", "done", "case", "esac", "in", "select", "function"]);
export const CONTROL_WORDS: ReadonlySet<string> = CONTROL;

class Lexer {
  private i = 0;
  private readonly pendingHeredocs: Array<{ redirect: Redirect; delim: string; strip: boolean }> = [];
  readonly tokens: Token[] = [];
  constructor(private readonly s: string) {}

  run(): Token[] {
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === " " || c === "\t") { this.i++; continue; }
      if (c === "\\" && this.s[this.i + 1] === "\n") { this.i += 2; continue; }
      if (c === "\n") { this.i++; this.tokens.push({ t: "op", op: ";" }); this.readHeredocs(); continue; }
      if (c === "#") { while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++; continue; }
      const op = this.operator();
      if (op) continue;
      this.tokens.push({ t: "word", word: this.word() });
    }
    if (this.pendingHeredocs.length > 0) this.readHeredocs();
    return this.tokens;
  }

  private operator(): boolean {
    const rest = this.s.slice(this.i);
    const redir = /^(\d*)(<<<|<<-|<<|>>|>&|<&|&>>|&>|>\||<>|>|<)/.exec(rest);
    if (redir) {
      this.i += redir[0].length;
      this.tokens.push({ t: "redir", op: redir[2]!, ...(redir[1] ? { fd: redir[1] } : {}) });
      if (redir[2] === "<<" || redir[2] === "<<-") {
        while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
        const delim = this.word().text;
        const redirect: Redirect = { op: redir[2], target: delim };
        this.tokens.push({ t: "word", word: { text: delim, subs: [] } });
        this.pendingHeredocs.push({ redirect, delim, strip: redir[2] === "<<-" });
        (this.tokens[this.tokens.length - 2] as { heredocOf?: Redirect }).heredocOf = redirect;
      }
      return true;
    }
    const m = /^(&&|\|\||;;|\||;|&|\(|\))/.exec(rest);
    if (!m) return false;
    this.i += m[0].length;
    this.tokens.push({ t: "op", op: m[0] === ";;" ? ";" : m[0] });
    return true;
  }

  private readHeredocs(): void {
    for (const h of this.pendingHeredocs.splice(0)) {
      const lines: string[] = [];
      while (this.i < this.s.length) {
        const end = this.s.indexOf("\n", this.i);
        const line = this.s.slice(this.i, end === -1 ? this.s.length : end);
        this.i = end === -1 ? this.s.length : end + 1;
        if ((h.strip ? line.replace(/^\t+/, "") : line) === h.delim) break;
        lines.push(line);
      }
      h.redirect.heredoc = lines.join("\n");
    }
  }

  /** Finds the `)` closing a `$(` that starts at `from`, skipping quoted text. */
  private closing(from: number): number {
    let depth = 1;
    for (let j = from; j < this.s.length; j++) {
      const c = this.s[j]!;
      if (c === "\\") { j++; continue; }
      if (c === "'") { j = this.s.indexOf("'", j + 1); if (j === -1) break; continue; }
      if (c === "\"") { j = this.skipDouble(j + 1); continue; }
      if (c === "(") depth++;
      if (c === ")" && --depth === 0) return j;
    }
    throw new ShellSyntaxError("unbalanced $( )");
  }

  private skipDouble(from: number): number {
    for (let j = from; j < this.s.length; j++) {
      if (this.s[j] === "\\") { j++; continue; }
      if (this.s[j] === "\"") return j;
    }
    throw new ShellSyntaxError("unterminated double quote");
  }

  private substitution(word: Word, text: string[]): void {
    // At `$(`: nested command (or `$((` arithmetic, kept as text).
    const start = this.i;
    const end = this.closing(this.i + 2);
    const inner = this.s.slice(start + 2, end);
    if (!inner.startsWith("(")) word.subs.push(parseShell(inner));
    text.push(this.s.slice(start, end + 1));
    this.i = end + 1;
  }

  private backtick(word: Word, text: string[]): void {
    const end = this.s.indexOf("`", this.i + 1);
    if (end === -1) throw new ShellSyntaxError("unterminated backtick");
    word.subs.push(parseShell(this.s.slice(this.i + 1, end)));
    text.push(this.s.slice(this.i, end + 1));
    this.i = end + 1;
  }

  private word(): Word {
    const word: Word = { text: "", subs: [] };
    const text: string[] = [];
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (" \t\n;&|()<>".includes(c)) break;
      if (c === "\\") { text.push(this.s[this.i + 1] ?? ""); this.i += 2; continue; }
      if (c === "'") {
        const end = this.s.indexOf("'", this.i + 1);
        if (end === -1) throw new ShellSyntaxError("unterminated single quote");
        text.push(this.s.slice(this.i + 1, end));
        this.i = end + 1;
        continue;
      }
      if (c === "\"") { this.double(word, text); continue; }
      if (c === "$" && this.s[this.i + 1] === "(") { this.substitution(word, text); continue; }
      if (c === "`") { this.backtick(word, text); continue; }
      text.push(c);
      this.i++;
    }
    word.text = text.join("");
    return word;
  }

  private double(word: Word, text: string[]): void {
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== "\"") {
      const c = this.s[this.i]!;
      if (c === "\\" && "$`\"\\\n".includes(this.s[this.i + 1] ?? "")) { text.push(this.s[this.i + 1]!); this.i += 2; continue; }
      if (c === "$" && this.s[this.i + 1] === "(") { this.substitution(word, text); continue; }
      if (c === "`") { this.backtick(word, text); continue; }
      text.push(c);
      this.i++;
    }
    if (this.i >= this.s.length) throw new ShellSyntaxError("unterminated double quote");
    this.i++;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  script(stopAt?: string): Script {
    const items: Script["items"] = [];
    for (;;) {
      while (this.isOp(";")) this.i++;
      if (this.i >= this.tokens.length || (stopAt && this.isOp(stopAt))) break;
      const andOr = this.andOr();
      const background = this.isOp("&");
      if (background) this.i++;
      items.push({ andOr, background });
    }
    return { items };
  }

  private isOp(op: string): boolean {
    const t = this.tokens[this.i];
    return t?.t === "op" && t.op === op;
  }

  private andOr(): AndOr {
    const pipelines = [this.pipeline()];
    const ops: AndOr["ops"] = [];
    while (this.isOp("&&") || this.isOp("||")) {
      ops.push((this.tokens[this.i] as { op: "&&" | "||" }).op);
      this.i++;
      while (this.isOp(";")) this.i++;
      pipelines.push(this.pipeline());
    }
    return { pipelines, ops };
  }

  private pipeline(): Pipeline {
    let negated = false;
    const first = this.tokens[this.i];
    if (first?.t === "word" && first.word.text === "!") { negated = true; this.i++; }
    const commands = [this.command()];
    while (this.isOp("|")) { this.i++; while (this.isOp(";")) this.i++; commands.push(this.command()); }
    return { negated, commands };
  }

  private command(): Command {
    const t = this.tokens[this.i];
    if (t?.t === "op" && t.op === "(") {
      this.i++;
      const body = this.script(")");
      if (!this.isOp(")")) throw new ShellSyntaxError("unbalanced ( )");
      this.i++;
      return { kind: "group", body, redirects: this.redirects() };
    }
    if (t?.t === "word" && t.word.text === "{") {
      this.i++;
      const start = this.i;
      let depth = 1;
      for (; this.i < this.tokens.length; this.i++) {
        const x = this.tokens[this.i]!;
        if (x.t === "word" && x.word.text === "{") depth++;
        if (x.t === "word" && x.word.text === "}" && --depth === 0) break;
      }
      if (depth !== 0) throw new ShellSyntaxError("unbalanced { }");
      const body = new Parser(this.tokens.slice(start, this.i)).script();
      this.i++;
      return { kind: "group", body, redirects: this.redirects() };
    }
    const cmd: SimpleCommand = { kind: "simple", words: [], redirects: [] };
    for (; this.i < this.tokens.length; ) {
      const x = this.tokens[this.i]!;
      if (x.t === "op") break;
      if (x.t === "redir") { cmd.redirects.push(...this.redirects()); continue; }
      if (cmd.words.length === 0 && CONTROL.has(x.word.text)) cmd.keyword ??= x.word.text;
      else cmd.words.push(x.word);
      this.i++;
    }
    if (cmd.words.length === 0 && cmd.redirects.length === 0 && !cmd.keyword) throw new ShellSyntaxError(`unexpected ${JSON.stringify((this.tokens[this.i] as { op?: string } | undefined)?.op ?? "end")}`);
    return cmd;
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    while (this.tokens[this.i]?.t === "redir") {
      const r = this.tokens[this.i] as Token & { t: "redir"; heredocOf?: Redirect };
      const target = this.tokens[this.i + 1];
      if (target?.t !== "word") throw new ShellSyntaxError(`${r.op} needs a target`);
      out.push(r.heredocOf ?? { op: r.op, target: target.word.text, ...(r.fd ? { fd: r.fd } : {}) });
      this.i += 2;
    }
    return out;
  }
}

export function parseShell(source: string): Script {
  return new Parser(new Lexer(source).run()).script();
}

/** Every simple command of a script, including those in groups and command substitutions. */
export function simpleCommands(script: Script): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  const visitCommand = (c: Command): void => {
    if (c.kind === "group") { visit(c.body); return; }
    out.push(c);
    for (const w of c.words) for (const s of w.subs) visit(s);
  };
  const visit = (s: Script): void => {
    for (const { andOr } of s.items) for (const p of andOr.pipelines) for (const c of p.commands) visitCommand(c);
  };
  visit(script);
  return out;
}
