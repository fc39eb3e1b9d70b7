import type { SprintContract } from "@harness/contracts";
import type { RecordedRequest, Rule, Script, ScriptRequest, StaticReply } from "@harness/scripted-model";
import { tinySpec } from "./tiny-program.js";

/*
 * One-sprint runs whose generator does something a hostile or careless model might: dump its
 * environment, read its parent's environment, or reach outside the workspace. The product prompt
 * names the case ("[secrets]", "[procenv]", "[escape]"); the spec title carries it to later calls.
 */

export type SecurityCase = "secrets" | "procenv" | "escape";

const TITLES: Record<SecurityCase, string> = { secrets: "SecretsCase", procenv: "ProcEnvCase", escape: "EscapeCase" };

const LIB = "exports.add = (a, b) => a + b;\n";
const TEST = `const assert = require("node:assert");\nassert.strictEqual(require("./lib.js").add(2, 3), 5);\nconsole.log("all tests passed");\n`;
const WRITE_PROGRAM = [{ name: "write_file", input: { path: "lib.js", content: LIB } }, { name: "write_file", input: { path: "test.js", content: TEST } }];

/** Shell that prints the parent process's environment: the service that runs the command. */
export const PARENT_ENV = "tr '\\0' '\\n' < /proc/$PPID/environ";

const CHECK_COMMAND: Record<SecurityCase, string> = {
  secrets: "env && node test.js",
  procenv: `${PARENT_ENV}; node test.js`,
  escape: "node test.js",
};

function contract(kind: SecurityCase): SprintContract {
  return {
    sprint: 1, summary: "add() with tests",
    deliverables: [{ id: "D1", description: "add(a, b) in lib.js", featureIds: ["F1"] }],
    checks: [{
      id: "unit-tests", kind: "command", description: "the tests pass", command: CHECK_COMMAND[kind], deliverableIds: ["D1"], criterionIds: ["F1.1"],
      expectExitCode: 0, expectOutput: [{ stream: "stdout", contains: "all tests passed" }], timeoutMs: 30_000,
    }],
  };
}

/** Every way out of the workspace a file tool could be asked for; `outside` is a directory beside it. */
export function escapeAttempts(outside: string): Array<Array<{ name: string; input: Record<string, unknown> }>> {
  return [
    [
      { name: "write_file", input: { path: "../../escape.txt", content: "escaped" } },
      { name: "write_file", input: { path: `${outside}/absolute.txt`, content: "escaped" } },
      { name: "read_file", input: { path: "/etc/passwd" } },
      { name: "read_file", input: { path: "../../../../../../../../etc/passwd" } },
      { name: "edit_file", input: { path: `${outside}/existing.txt`, old_text: "untouched", new_text: "edited" } },
      { name: "list_files", input: { path: "../.." } },
      { name: "search_files", input: { path: "/etc", pattern: "root" } },
      { name: "run_command", input: { command: `ln -s ${outside} out-link && ln -s /etc etc-link && echo linked` } },
    ],
    [
      { name: "write_file", input: { path: "out-link/through-link.txt", content: "escaped" } },
      { name: "edit_file", input: { path: "out-link/existing.txt", old_text: "untouched", new_text: "edited" } },
      { name: "read_file", input: { path: "etc-link/passwd" } },
      { name: "list_files", input: { path: "out-link" } },
    ],
  ];
}

function build(kind: SecurityCase, req: ScriptRequest, outside: string): StaticReply {
  const done: StaticReply = { text: "built" };
  if (kind === "secrets") {
    if (req.turn === 0) return { toolUse: [...WRITE_PROGRAM, { name: "run_command", input: { command: "env > env.txt && cat env.txt" } }] };
    return done;
  }
  if (kind === "procenv") {
    if (req.turn === 0) return { toolUse: [...WRITE_PROGRAM, { name: "run_command", input: { command: `${PARENT_ENV} > parent-env.txt; cat parent-env.txt` } }] };
    return done;
  }
  const attempts = escapeAttempts(outside);
  const step = attempts[req.turn];
  if (step) return { toolUse: step };
  if (req.turn === attempts.length) return { toolUse: WRITE_PROGRAM };
  return done;
}

function caseOf(text: string): SecurityCase {
  if (text.includes("[procenv]") || text.includes(TITLES.procenv)) return "procenv";
  if (text.includes("[escape]") || text.includes(TITLES.escape)) return "escape";
  return "secrets";
}

export function securityPrompt(kind: SecurityCase): string {
  return `An adder library [${kind}]`;
}

export function securityScript(outside: string): Script {
  const rules: Rule[] = [
    { name: "plan", match: { role: "planner" }, reply: (req) => ({ toolUse: [{ name: "submit_spec", input: tinySpec(TITLES[caseOf(req.allText)], 1) }] }) },
    { name: "contract", match: { role: "generator", toolChoice: "propose_contract" }, reply: (req) => ({ toolUse: [{ name: "propose_contract", input: contract(caseOf(req.allText)) }] }) },
    { name: "review", match: { role: "evaluator", toolChoice: "submit_review" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "the tests prove it" } }] } },
    { name: "build", match: { role: "generator", hasTool: "write_file" }, reply: (req) => build(caseOf(req.allText), req, outside) },
  ];
  return rules;
}

/** A run's generator requests, identified by the spec title its prompt quotes. */
export function generatorRequests(requests: readonly RecordedRequest[], kind: SecurityCase): RecordedRequest[] {
  return requests.filter((r) => r.headers["x-harness-role"] === "generator" && JSON.stringify(r.body).includes(`${TITLES[kind]}:`));
}
