import { parseShell, ShellSyntaxError, type Script, type SimpleCommand } from "./shell.js";

/**
 * What one program of a command check does, judged from its words:
 * - product: runs a file of the workspace, a package script, or calls the running app;
 * - tests: a test runner (also runs the product);
 * - literal: prints only text written in the command (`echo`, `printf`, inline code that loads
 *   nothing of the product, a here-document);
 * - reader: reads files, lists or searches them (`cat`, `grep`, `ls`, `test -f`...);
 * - filter: reads its standard input (`tail`, `grep` in a pipe);
 * - constant: its exit status is fixed (`true`, `:`, `exit 0`, `sleep`, `cd`...);
 * - other: a program the rules do not know (it proves nothing by itself).
 */
export type Role = "product" | "tests" | "literal" | "reader" | "filter" | "constant" | "other";

export interface Program {
  role: Role;
  /** The program as the check names it, for reasons. */
  name: string;
  /** Text it prints from the command's own literals. */
  literal: string[];
  /** Source files it reads (`grep add lib.js`, `cat src/app.js`). */
  sourceReads: string[];
  /** A nested script it runs (`sh -c "..."`), analysed in place of the program. */
  nested?: Script;
  /** It prints text it computes from the command's own words (a format, `$((..))`, a variable, inline code, a decoder): any expected text may be its own. */
  computed?: boolean;
  /** Its standard output goes to /dev/null, so nothing it prints reaches the check. */
  silenced?: boolean;
}

const CONSTANT = new Set(["true", ":", "false", "exit", "return", "sleep", "cd", "pushd", "popd", "export", "unset", "set", "shift", "mkdir", "rm", "rmdir", "cp", "mv", "touch", "chmod", "chown", "ln", "kill", "wait", "trap", "umask", "ulimit", "alias", "local", "declare", "readonly", "shopt", "hash", "sync", "npm-ci", "break", "continue"]);
const LITERAL = new Set(["echo", "printf", "yes", "seq"]);
const READER = new Set(["cat", "tac", "head", "tail", "less", "more", "grep", "egrep", "fgrep", "rg", "ag", "ack", "sed", "awk", "gawk", "wc", "sort", "uniq", "cut", "tr", "diff", "cmp", "comm", "jq", "od", "xxd", "hexdump", "strings", "base64", "md5sum", "sha1sum", "sha256sum", "cksum", "nl", "column", "fold", "paste", "rev", "file", "stat", "ls", "find", "du", "df", "tree", "test", "[", "[[", "basename", "dirname", "realpath", "readlink", "date", "printenv", "pwd", "whoami", "id", "uname", "which", "type", "git", "tee", "xargs-echo", "sqlite3", "python-json", "env-print", "hostname", "getent", "tr", "iconv", "look"]);
/** Programs that take a pattern or script before their file operands. */
const PATTERN_FIRST = new Set(["grep", "egrep", "fgrep", "rg", "ag", "ack", "sed", "awk", "gawk", "jq", "look"]);
const WRAPPERS = new Set(["env", "timeout", "nice", "nohup", "time", "command", "exec", "stdbuf", "sudo", "xvfb-run", "builtin", "unbuffer", "script"]);
const RUNNERS = new Set(["vitest", "jest", "mocha", "ava", "tap", "pytest", "py.test", "jasmine", "karma", "cypress", "playwright", "tape", "uvu", "c8", "nyc"]);
const INTERPRETERS = new Set(["node", "nodejs", "deno", "bun", "tsx", "ts-node", "python", "python3", "python2", "ruby", "php", "perl", "java", "sh", "bash", "zsh", "dash", "ksh", "lua", "Rscript"]);
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh"]);
const PACKAGE_MANAGERS = new Set(["npm", "pnpm", "yarn", "bun"]);
const NPM_BUILTINS = new Set(["env", "prefix", "root", "bin", "help", "version", "pkg", "doctor", "ping", "get", "set", "explain", "query", "completion", "help-search", "docs", "repo", "bugs", "search", "owner", "team", "token", "profile", "access", "fund", "sbom", "exec-env"]);
const CALLERS = new Set(["curl", "wget", "http", "https", "xh", "nc", "websocat"]);
const BUILD_TOOLS = new Set(["make", "go", "cargo", "dotnet", "gradle", "mvn", "rake"]);
/** Python modules whose import says nothing about the product. */
const PY_STDLIB = new Set(["sys", "os", "json", "math", "re", "time", "datetime", "random", "string", "itertools", "functools", "collections", "subprocess", "pathlib", "io", "typing", "urllib", "http", "base64", "hashlib", "textwrap", "pprint", "statistics", "decimal", "fractions", "shutil", "glob", "csv", "sqlite3", "uuid", "operator", "platform"]);
const SOURCE_FILE = /\.(m?[jt]sx?|cjs|cts|mts|py|rb|go|rs|java|kt|c|h|cc|cpp|hpp|cs|php|pl|sh|bash|html?|css|scss|vue|svelte|md|toml|ya?ml)$|(^|\/)(package\.json|tsconfig\.json|Makefile|Dockerfile|README[^/]*)$/i;

const base = (w: string): string => w.replace(/^.*\//, "");
const isPathLike = (w: string): boolean => /^\.{0,2}\//.test(w) || /^[\w@.-]+\/[\w./@-]+$/.test(w);

/** Inline code (`node -e`, `python -c`) calls the product when it loads a workspace file or the running app. */
function inlineCallsProduct(code: string, python: boolean): boolean {
  if (/(localhost|127\.0\.0\.1|\[::1\])/.test(code) && /(fetch|http|request|urlopen|get\()/i.test(code)) return true;
  // Loading only package.json or other JSON data runs none of the product's code.
  const loaded = [...code.matchAll(/(?:\b(?:require|import)\s*\(\s*|\bfrom\s+)['"`](\.{1,2}\/[^'"`]*)['"`]/g)].map((m) => m[1]!);
  if (loaded.some((f) => !/\.json$/i.test(f))) return true;
  if (python) {
    for (const m of code.matchAll(/(?:^|[;\n]\s*|\s)(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))/g)) {
      const mod = (m[1] ?? m[2] ?? "").split(".")[0]!;
      if (mod && !PY_STDLIB.has(mod)) return true;
    }
    if (/\bexec\s*\(\s*open\(/.test(code) || /\brunpy\b/.test(code)) return true;
  }
  return false;
}

/** Strips wrappers (`env X=1`, `timeout 10`, `nice -n 5`) down to the program that runs. */
function unwrap(words: string[]): string[] {
  let w = words.filter((x, i) => !(i === 0 && /^[A-Za-z_]\w*=/.test(x)));
  while (w.length > 0 && /^[A-Za-z_]\w*=/.test(w[0]!)) w = w.slice(1);
  for (let guard = 0; guard < 8 && w.length > 0 && WRAPPERS.has(base(w[0]!)); guard++) {
    const name = base(w[0]!);
    w = w.slice(1);
    if (name === "env" && w.length === 0) return ["env-print"];
    while (w.length > 0 && (w[0]!.startsWith("-") || /^[A-Za-z_]\w*=/.test(w[0]!) || (name === "timeout" && /^\d/.test(w[0]!)))) {
      const flag = w[0]!;
      w = w.slice(1);
      if ((name === "nice" && flag === "-n") || (name === "timeout" && (flag === "-s" || flag === "-k")) || (name === "sudo" && flag === "-u")) w = w.slice(1);
    }
  }
  return w;
}

/**
 * The command an `npm exec`/`npx` runs: its words after the runner's own leading options (or
 * after `--`). The command's own flags stay: `npm exec -- node -e "..."` is inline code.
 */
function afterOptions(args: string[]): string[] {
  const dashes = args.indexOf("--");
  if (dashes !== -1) return args.slice(dashes + 1);
  let i = 0;
  while (i < args.length && args[i]!.startsWith("-")) i += /^--?(p|package|c|call)$/.test(args[i]!) ? 2 : 1;
  return args.slice(i);
}

function fromPackageManager(pm: string, args: string[]): Program {
  const sub = args.find((a) => !a.startsWith("-"));
  const script = sub === "run" || sub === "run-script" ? args[args.indexOf(sub) + 1] : sub;
  if (sub === undefined) return { role: "other", name: pm, literal: [], sourceReads: [] };
  // `npm run` alone lists the scripts; `npm run env`, `npm prefix`, `npm root`... are npm's own, whatever the product is.
  if (((sub === "run" || sub === "run-script") && script === undefined) || NPM_BUILTINS.has(script ?? "")) return { role: "constant", name: `${pm} ${sub}${script && script !== sub ? ` ${script}` : ""}`, literal: [], sourceReads: [], computed: true };
  if (["ci", "install", "i", "add", "--version", "-v", "ls", "list", "view", "info", "config", "whoami", "audit", "outdated", "why"].includes(sub)) return { role: "constant", name: `${pm} ${sub}`, literal: [], sourceReads: [] };
  if (sub === "exec" || sub === "x" || sub === "dlx") return programOf(afterOptions(args.slice(args.indexOf(sub) + 1)));
  if (/^(test|tst|t)([:._-].*)?$/.test(script ?? "") || (pm === "bun" && sub === "test")) return { role: "tests", name: `${pm} ${sub === script ? "" : `${sub} `}${script}`, literal: [], sourceReads: [] };
  return { role: "product", name: `${pm} ${sub === script ? "" : `${sub} `}${script ?? ""}`.trim(), literal: [], sourceReads: [] };
}

function interpreter(name: string, argsIn: string[]): Program {
  let args = argsIn;
  const python = name.startsWith("python");
  // Short options cluster (`node -pe`, `python3 -Sc`, `bash -ec`, `perl -le`): the cluster holding the inline flag is inline code.
  const inlineLetters = SHELLS.has(name) || python ? "c" : name === "node" || name === "nodejs" || name === "bun" ? "ep" : "eE";
  // `--eval=code` (one word) is inline code too: split it so the code is read like `--eval code`.
  const joined = args.findIndex((a) => /^--(eval|print|command)=/.test(a));
  if (joined !== -1) { const a = args[joined]!; const at = a.indexOf("="); args = [...args.slice(0, joined), a.slice(0, at), a.slice(at + 1), ...args.slice(joined + 1)]; }
  const inlineFlag = args.findIndex((a) => ["--eval", "--print", ...(python ? ["--command"] : [])].includes(a) || (/^-[A-Za-z]+$/.test(a) && [...a.slice(1)].some((l) => inlineLetters.includes(l))));
  if (name === "node" && args.includes("--test")) return { role: "tests", name: "node --test", literal: [], sourceReads: [] };
  if (SHELLS.has(name) && inlineFlag !== -1) {
    const code = args[inlineFlag + 1] ?? "";
    try { return { role: "other", name, literal: [], sourceReads: [], nested: parseShell(code) }; } catch { return { role: "other", name, literal: [], sourceReads: [] }; }
  }
  if (inlineFlag !== -1) {
    const code = args[inlineFlag + 1] ?? "";
    return inlineCallsProduct(code, python) ? { role: "product", name: `${name} ${args[inlineFlag]}`, literal: [code], sourceReads: [] } : { role: "literal", name: `${name} ${args[inlineFlag]}`, literal: [code], sourceReads: [], computed: true };
  }
  if (python) {
    const m = args.indexOf("-m");
    if (m !== -1) {
      const mod = args[m + 1] ?? "";
      if (mod === "pytest" || mod === "unittest") return { role: "tests", name: `${name} -m ${mod}`, literal: [], sourceReads: [] };
      if (mod === "json.tool") return { role: "filter", name: `${name} -m json.tool`, literal: [], sourceReads: [] };
      return PY_STDLIB.has(mod.split(".")[0]!) || mod === "http.server" ? { role: "other", name: `${name} -m ${mod}`, literal: [], sourceReads: [] } : { role: "product", name: `${name} -m ${mod}`, literal: [], sourceReads: [] };
    }
  }
  const script = args.find((a) => !a.startsWith("-"));
  if (script === undefined) return { role: SHELLS.has(name) ? "other" : "constant", name, literal: [], sourceReads: [] };
  if (name === "deno" && script === "test") return { role: "tests", name: "deno test", literal: [], sourceReads: [] };
  const runs = args.slice(args.indexOf(script));
  if ((name === "tsx" || name === "ts-node") && runs.includes("--test")) return { role: "tests", name: `${name} --test`, literal: [], sourceReads: [] };
  return { role: "product", name: `${name} ${script}`, literal: [], sourceReads: [] };
}

function reader(name: string, args: string[], stdinFed: boolean): Program {
  const operands = args.filter((a) => !a.startsWith("-"));
  const withOptionPattern = args.some((a) => a === "-e" || a === "-f" || a.startsWith("--regexp") || a.startsWith("--file"));
  const files = PATTERN_FIRST.has(name) && !withOptionPattern ? operands.slice(1) : operands;
  const named = name === "test" || name === "[" || name === "[[" || name === "find" || name === "date" || name === "which" || name === "type" ? [] : files;
  if (named.length === 0 && stdinFed) return { role: "filter", name, literal: [], sourceReads: [] };
  const sourceReads = name === "git" ? ["the git history"] : named.filter((f) => SOURCE_FILE.test(f) || f === "." || f.endsWith("/") || f === "*" || /\*\.\w+$/.test(f));
  const recursive = (name === "grep" || name === "rg" || name === "ag") && args.some((a) => /^-\w*[rR]/.test(a) || a === "--recursive");
  if (recursive && operands.length <= 1) sourceReads.push(".");
  return { role: "reader", name, literal: [], sourceReads };
}

/** Classifies one program from its words (after the shell's quote removal). */
export function programOf(wordsIn: string[], opts: { stdinFed?: boolean; heredoc?: string } = {}): Program {
  const words = unwrap(wordsIn);
  const first = words[0];
  if (first === undefined) return { role: "constant", name: "(assignment)", literal: [], sourceReads: [] };
  const name = base(first);
  const args = words.slice(1);
  if (opts.heredoc !== undefined && (name === "cat" || name === "tee" || READER.has(name))) return { role: "literal", name: `${name} <<`, literal: [opts.heredoc], sourceReads: [] };
  if (CONSTANT.has(name)) return { role: "constant", name: words.slice(0, 2).join(" "), literal: [], sourceReads: [] };
  if (LITERAL.has(name)) {
    const text = args.filter((a) => !/^-[neE]+$/.test(a)).join(" ");
    // A format (`%d`), an expansion (`$((2+3))`, `$r`) or an escape computes text the words do not show.
    return { role: "literal", name, literal: [text], sourceReads: [], computed: name === "printf" || /[$%\\`]/.test(text) || name === "seq" || name === "yes" };
  }
  if ((name === "awk" || name === "gawk" || name === "mawk") && /\bBEGIN\b/.test(args.find((a) => !a.startsWith("-")) ?? "") && args.filter((a) => !a.startsWith("-")).length <= 1) return { role: "literal", name: `${name} BEGIN`, literal: [args.join(" ")], sourceReads: [], computed: true };
  // A decoder prints text written (encoded) in the command itself.
  if (["base64", "base32", "basenc", "xxd", "uudecode"].includes(name) && (name === "uudecode" || args.some((a) => /^--decode$|^--reverse$|^-\w*[dDr]\w*$/.test(a)))) return { role: "literal", name: `${name} decode`, literal: [], sourceReads: [], computed: true };
  if (name === "find" && args.some((a) => a === "-exec" || a === "-execdir" || a === "-ok")) {
    const at = args.findIndex((a) => a === "-exec" || a === "-execdir" || a === "-ok");
    const end = args.findIndex((a, i) => i > at && (a === ";" || a === "+"));
    return programOf(args.slice(at + 1, end === -1 ? undefined : end), opts);
  }
  if (first.includes("/") && RUNNERS.has(name)) return { role: "tests", name, literal: [], sourceReads: [] };
  if (RUNNERS.has(name)) return { role: "tests", name, literal: [], sourceReads: [] };
  if (name === "npx" || name === "pnpx" || name === "bunx") return programOf(afterOptions(args), opts);
  if (PACKAGE_MANAGERS.has(name) && !(name === "bun" && args[0] !== undefined && /\.[cm]?[jt]sx?$/.test(args[0]))) return fromPackageManager(name, args);
  // `eval CODE`, and `.`/`source` of a here-document: shell code written in the check, analysed in place.
  if (name === "eval" || ((name === "." || name === "source") && opts.heredoc !== undefined)) {
    const code = name === "eval" ? args.join(" ") : opts.heredoc!;
    try { return { role: "other", name, literal: [], sourceReads: [], nested: parseShell(code) }; } catch { return { role: "literal", name, literal: [code], sourceReads: [], computed: true }; }
  }
  // `xargs echo <<< 'text'` prints the check's own here-input (fed by a pipe from the product, it is a filter).
  if (name === "xargs" && opts.heredoc !== undefined) return { role: "literal", name: "xargs <<<", literal: [opts.heredoc], sourceReads: [], computed: true };
  // `node /dev/stdin <<EOF` runs the here-document: inline code like `node -e`.
  if (INTERPRETERS.has(name) && opts.heredoc !== undefined && ["/dev/stdin", "-"].includes(args.find((a) => !a.startsWith("-")) ?? "")) return interpreter(name, [...args.filter((a) => a.startsWith("-")), SHELLS.has(name) ? "-c" : name.startsWith("python") ? "-c" : "-e", opts.heredoc]);
  if (INTERPRETERS.has(name) && opts.heredoc !== undefined && !args.some((a) => !a.startsWith("-"))) return interpreter(name, [...args, SHELLS.has(name) ? "-c" : name.startsWith("python") ? "-c" : "-e", opts.heredoc]);
  if (INTERPRETERS.has(name)) return interpreter(name, args);
  if (CALLERS.has(name)) return args.some((a) => /(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)/.test(a) || a.includes("$PORT")) ? { role: "product", name, literal: [], sourceReads: [] } : { role: "other", name, literal: [], sourceReads: [] };
  if (BUILD_TOOLS.has(name)) {
    const sub = args.find((a) => !a.startsWith("-"));
    if ((name === "go" || name === "cargo" || name === "dotnet") && sub === "test") return { role: "tests", name: `${name} test`, literal: [], sourceReads: [] };
    if (name === "make" && /^(test|check)/.test(sub ?? "")) return { role: "tests", name: `make ${sub}`, literal: [], sourceReads: [] };
    return { role: "product", name: sub ? `${name} ${sub}` : name, literal: [], sourceReads: [] };
  }
  if (READER.has(name) || name === "xargs") return reader(name, args, opts.stdinFed === true);
  if (isPathLike(first)) return { role: "product", name: first, literal: [], sourceReads: [] };
  return { role: "other", name, literal: [], sourceReads: [] };
}

/** The program a simple command runs, with its here-document or here-string as its input. */
export function programOfCommand(c: SimpleCommand, stdinFed: boolean): Program {
  const heredoc = c.redirects.find((r) => r.op === "<<" || r.op === "<<-" || r.op === "<<<");
  const fromFile = c.redirects.find((r) => r.op === "<");
  const silenced = c.redirects.some((r) => (r.op === ">" || r.op === ">|" || r.op === ">>" || r.op === "&>" || r.op === "&>>") && (r.fd === undefined || r.fd === "1") && r.target === "/dev/null");
  const p0 = programOf(c.words.map((w) => w.text), { stdinFed: stdinFed || fromFile !== undefined || heredoc !== undefined, ...(heredoc ? { heredoc: heredoc.heredoc ?? heredoc.target } : {}) });
  const p = silenced ? { ...p0, silenced } : p0;
  if (fromFile && (p.role === "filter" || p.role === "reader") && SOURCE_FILE.test(fromFile.target)) return { ...p, role: "reader", sourceReads: [...p.sourceReads, fromFile.target] };
  return p;
}

export { parseShell, ShellSyntaxError };
