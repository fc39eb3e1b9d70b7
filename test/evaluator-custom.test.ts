import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Verdict } from "@harness/contracts";
import { startScriptedModel, type Script, type ScriptRequest, type StaticReply } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { shellExamples } from "../examples/01-custom-evaluator.js";
import { ROOT, api, startStack, type Stack } from "./support/stack.js";
import { tinyContract, tinySpec } from "./support/tiny-program.js";

interface RunView { id: string; status: string; reason: string; sprints: Array<{ number: number; status: string; attempts: Array<{ status: string }> }> }
interface EventItem { message: { type: string; sprint: number; attempt: number; payload: Record<string, unknown> } }

const LIB = "exports.add = (a, b) => a + b;\n";
const TEST = `const assert = require("node:assert");\nconst { add } = require("./lib.js");\nassert.strictEqual(add(2, 3), 5);\nconsole.log("all tests passed");\n`;
const readme = (module: string) => `# Calc\n\nA tiny arithmetic library for Node. It adds numbers and comes with its own test suite, which you can run as shown below.\n\n## Usage\n\n\`\`\`sh\nnode -e "console.log(require('./${module}').add(2, 3))"\nnode test.js\n\`\`\`\n`;

/**
 * Builds a one-sprint library. What goes into README.md depends on the product's title:
 * "Documented" ships a working README; "Misdocumented" first ships one whose example requires a
 * file that does not exist, and fixes it once the readme evaluator's feedback arrives;
 * "Undocumented" never writes one. The code and its tests are always right, so `core` passes.
 */
function build(req: ScriptRequest): StaticReply {
  const attempt = Number(/Sprint \d+, attempt (\d+)/.exec(req.allText)?.[1] ?? 1);
  if (req.turn > 0) return { text: `attempt ${attempt} done` };
  const files = [{ name: "write_file", input: { path: "lib.js", content: LIB } }, { name: "write_file", input: { path: "test.js", content: TEST } }];
  if (req.allText.includes("Undocumented")) return { toolUse: files };
  const broken = req.allText.includes("Misdocumented") && attempt === 1;
  return { toolUse: [...files, { name: "write_file", input: { path: "README.md", content: readme(broken ? "calc.js" : "lib.js") } }] };
}

function script(): Script {
  return [
    ...["Documented", "Misdocumented", "Undocumented"].map((title) => ({ match: { role: "planner", contains: title }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec(title, 1) }] } })),
    { match: { role: "generator", toolChoice: "propose_contract" }, reply: { toolUse: [{ name: "propose_contract", input: tinyContract(1) }] } },
    { match: { role: "evaluator", toolChoice: "submit_review" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "the tests prove it" } }] } },
    { name: "build", match: { role: "generator", hasTool: "write_file" }, reply: build },
  ];
}

describe("evaluator-custom - the example readme evaluator gates runs end to end", () => {
  let model: Awaited<ReturnType<typeof startScriptedModel>>;
  let stack: Stack;
  let custom: ChildProcess;
  let customOut = "";

  beforeAll(async () => {
    model = await startScriptedModel({ script: script() });
    stack = await startStack({ modelUrl: model.url, evaluators: ["readme"] });
    // The example is its own process, started the way its README says.
    custom = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "examples", "01-custom-evaluator.ts")], {
      cwd: ROOT, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...stack.nats.envFor("evaluator-readme"), HARNESS_PROVISION: "false", HARNESS_INSTANCE: "readme-0", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"],
    });
    custom.stdout?.on("data", (d: Buffer) => { customOut += d.toString(); });
    custom.stderr?.on("data", (d: Buffer) => { customOut += d.toString(); });
    await waitFor(() => customOut.includes("evaluator readme ready") || custom.exitCode !== null, { timeoutMs: 30_000, what: "the readme evaluator" });
    if (custom.exitCode !== null) throw new Error(`readme evaluator exited:\n${customOut}`);
  }, 120_000);

  afterAll(async () => {
    if (custom && custom.exitCode === null) {
      const exited = new Promise((r) => custom.once("exit", r));
      custom.kill("SIGTERM");
      await exited;
    }
    await stack?.stop();
    await model?.close();
  });

  const runToEnd = async (prompt: string, maxAttemptsPerSprint: number) => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt, options: { evaluators: ["core", "readme"], maxAttemptsPerSprint } });
    expect(created.status).toBe(201);
    const run = await waitFor(async () => {
      const { body } = await api<RunView>(stack, "GET", `/runs/${created.body.id}`);
      return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: `run ${created.body.id}` }).catch((err) => { throw new Error(`${err}\n${stack.logs()}\n===== readme =====\n${customOut}`); });
    const { body } = await api<{ events: EventItem[] }>(stack, "GET", `/runs/${run.id}/events`);
    const verdicts = body.events.filter((e) => e.message.type === "verdict.produced").map((e) => ({ sprint: e.message.sprint, attempt: e.message.attempt, verdict: e.message.payload["verdict"] as Verdict }));
    return { run, verdicts };
  };

  /** The sprint's verdicts; `final` the final acceptance's (sprint 0). */
  const outcomes = (verdicts: Array<{ sprint: number; attempt: number; verdict: Verdict }>, final = false) =>
    verdicts.filter((v) => (v.sprint === 0) === final).map((v) => `${v.attempt}:${v.verdict.evaluator}:${v.verdict.passed ? "pass" : "fail"}`).sort();

  it("is listed by the supervisor from its heartbeats", async () => {
    const { body } = await api<{ services: Array<{ role: string; name: string; version: string }> }>(stack, "GET", "/services");
    expect(body.services).toContainEqual(expect.objectContaining({ role: "evaluator", name: "readme", version: "1.0.0" }));
  });

  it("completes a run only when both core and readme pass", async () => {
    const { run, verdicts } = await runToEnd("Documented: a tiny arithmetic library", 2);
    expect(run.status, run.reason).toBe("completed");
    expect(outcomes(verdicts)).toEqual(["1:core:pass", "1:readme:pass"]);
    // The custom evaluator takes part in the final acceptance of the whole product as in the sprint.
    expect(outcomes(verdicts, true)).toEqual(["1:core:pass", "1:readme:pass"]);
    const readmeVerdict = verdicts.find((v) => v.verdict.evaluator === "readme")!.verdict;
    expect(readmeVerdict.criteria.map((c) => c.checkId)).toEqual(["readme-present", "readme-examples-run"]);
  });

  it("reworks a sprint that core passed but readme failed, sending readme's evidence to the generator", async () => {
    const { run, verdicts } = await runToEnd("Misdocumented: a tiny arithmetic library", 3);
    expect(run.status, run.reason).toBe("completed");
    expect(run.sprints[0]?.attempts.map((a) => a.status)).toEqual(["failed", "passed"]);
    expect(outcomes(verdicts)).toEqual(["1:core:pass", "1:readme:fail", "2:core:pass", "2:readme:pass"]);
    const failed = verdicts.find((v) => !v.verdict.passed)!.verdict;
    const examples = failed.criteria.find((c) => c.checkId === "readme-examples-run")!;
    expect(examples.feedback).toContain("node -e \"console.log(require('./calc.js').add(2, 3))\"");
    expect(examples.feedback).toContain("Cannot find module './calc.js'");
    // The second build request carried that feedback.
    const rework = model.requests.find((r) => r.headers["x-harness-role"] === "generator" && JSON.stringify(r.body).includes("Misdocumented") && JSON.stringify(r.body).includes("Sprint 1, attempt 2"));
    expect(JSON.stringify(rework?.body)).toContain("Cannot find module './calc.js'");
  });

  it("fails a run whose builds never satisfy readme, however often core passes them", async () => {
    const { run, verdicts } = await runToEnd("Undocumented: a tiny arithmetic library", 2);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/^max attempts/);
    expect(outcomes(verdicts)).toEqual(["1:core:pass", "1:readme:fail", "2:core:pass", "2:readme:fail"]);
    expect(outcomes(verdicts, true)).toEqual([]);
    const last = verdicts.filter((v) => v.verdict.evaluator === "readme").at(-1)!.verdict;
    expect(last.criteria.find((c) => c.checkId === "readme-present")!.feedback).toContain("add a README.md");
  });

  it("reads usage examples from sh code blocks the way a reader would type them", () => {
    expect(shellExamples("intro\n```sh\n# build it\n$ npm ci\nnode x.js\n```\n```js\nnot(a, command)\n```\n```bash\n\nmake\n```")).toEqual(["npm ci", "node x.js", "make"]);
  });
});
