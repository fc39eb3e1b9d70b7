import type { ProductSpec, SprintContract } from "@harness/contracts";
import type { Script, ScriptRequest, StaticReply } from "@harness/scripted-model";

/**
 * A scripted model that builds a real tiny program (a calculator module and its own tests)
 * over two sprints. Sprint 2's first build has a genuine bug (multiply adds); the evaluator's
 * `node test.js` check catches it, and the rework fixes it with an edit.
 */
export const NOTES_MARKER = "GENERATOR-NOTES-7f3a";

export function tinySpec(title: string, sprints: 1 | 2): ProductSpec {
  return {
    title, overview: "A small arithmetic library with its own test suite.", targetUsers: ["developers"],
    features: [
      { id: "F1", title: "Addition", userStory: "As a developer I add numbers", acceptanceCriteria: [{ id: "F1.1", text: "add(2,3) returns 5" }] },
      ...(sprints === 2 ? [{ id: "F2", title: "Multiplication", userStory: "As a developer I multiply numbers", acceptanceCriteria: [{ id: "F2.1", text: "multiply(3,4) returns 12" }] }] : []),
    ],
    sprints: [
      { number: 1, goal: "addition works and is tested", featureIds: ["F1"] },
      ...(sprints === 2 ? [{ number: 2, goal: "multiplication works and is tested", featureIds: ["F2"] }] : []),
    ],
  };
}

export function tinyContract(sprint: number): SprintContract {
  return {
    sprint, summary: sprint === 1 ? "add() with tests" : "multiply() with tests",
    deliverables: [{ id: "D1", description: sprint === 1 ? "add(a, b) in lib.js" : "multiply(a, b) in lib.js", featureIds: [`F${sprint}`] }],
    checks: [{
      id: "unit-tests", kind: "command", description: "the library's own tests pass", command: "node test.js",
      deliverableIds: ["D1"], criterionIds: [`F${sprint}.1`], expectExitCode: 0, expectOutput: [{ stream: "stdout", contains: "all tests passed" }], timeoutMs: 30_000,
    }],
  };
}

const LIB_ADD = "exports.add = (a, b) => a + b;\n";
const LIB_BUGGY = "exports.add = (a, b) => a + b;\n// multiply two numbers\nexports.multiply = (a, b) => a + b;\n";
const TEST_ADD = `const assert = require("node:assert");\nconst { add } = require("./lib.js");\nassert.strictEqual(add(2, 3), 5);\nassert.strictEqual(add(-1, 1), 0);\nconsole.log("all tests passed");\n`;
const TEST_MUL = `const assert = require("node:assert");\nconst { add, multiply } = require("./lib.js");\nassert.strictEqual(add(2, 3), 5);\nassert.strictEqual(multiply(3, 4), 12);\nassert.strictEqual(multiply(0, 9), 0);\nconsole.log("all tests passed");\n`;

function sprintAttempt(req: ScriptRequest): { sprint: number; attempt: number } {
  const m = /Sprint (\d+), attempt (\d+)/.exec(req.allText);
  return { sprint: Number(m?.[1] ?? 1), attempt: Number(m?.[2] ?? 1) };
}

/** Build turns: write files, (maybe) run the tests, hand over a note. */
function build(req: ScriptRequest, alwaysBroken: boolean): StaticReply {
  const { sprint, attempt } = sprintAttempt(req);
  const broken = alwaysBroken || (sprint === 2 && attempt === 1);
  const done: StaticReply = { text: `${NOTES_MARKER}: sprint ${sprint} attempt ${attempt} built; I am confident it all works.` };
  if (sprint === 1 && !alwaysBroken) {
    if (req.turn === 0) return { toolUse: [{ name: "write_file", input: { path: "lib.js", content: LIB_ADD } }, { name: "write_file", input: { path: "test.js", content: TEST_ADD } }] };
    if (req.turn === 1) return { toolUse: [{ name: "run_command", input: { command: "node test.js" } }] };
    return done;
  }
  if (broken && attempt === 1) {
    if (req.turn === 0) return { toolUse: [{ name: "write_file", input: { path: "lib.js", content: LIB_BUGGY } }, { name: "write_file", input: { path: "test.js", content: TEST_MUL } }] };
    return done;
  }
  if (broken) {
    // A rework that does not really fix anything: it reads the file and gives up.
    if (req.turn === 0) return { toolUse: [{ name: "read_file", input: { path: "lib.js" } }] };
    return done;
  }
  // The real fix, made only after reading the verdict's evidence.
  if (req.turn === 0) return { toolUse: [{ name: "edit_file", input: { path: "lib.js", old_text: "exports.multiply = (a, b) => a + b;", new_text: "exports.multiply = (a, b) => a * b;" } }] };
  if (req.turn === 1) return { toolUse: [{ name: "run_command", input: { command: "node test.js" } }] };
  return done;
}

export function tinyProgramScript(): Script {
  return [
    { name: "plan-broken", match: { role: "planner", contains: "never passes" }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec("Broken", 1) }] } },
    { name: "plan", match: { role: "planner" }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec("Calc", 2) }] } },
    {
      name: "contract", match: { role: "generator", toolChoice: "propose_contract" },
      reply: (req) => ({ toolUse: [{ name: "propose_contract", input: tinyContract(Number(/contract for sprint (\d+)/.exec(req.lastUserText)?.[1] ?? 1)) }] }),
    },
    { name: "review", match: { role: "evaluator", toolChoice: "submit_review" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "every deliverable is proven by running the tests" } }] } },
    { name: "build-broken", match: { role: "generator", hasTool: "write_file", contains: "Broken" }, reply: (req) => build(req, true) },
    { name: "build", match: { role: "generator", hasTool: "write_file" }, reply: (req) => build(req, false) },
  ];
}
