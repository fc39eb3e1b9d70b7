import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectBus } from "@harness/bus";
import { EvaluationRequested, SCHEMA_VERSION, type ArtifactRef, type Verdict, type WorkFailed } from "@harness/contracts";
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { startScriptedModel, type Script, type ScriptRequest, type StaticReply } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startStack, type Stack } from "../../test/support/stack.js";
import { tinyContract, tinySpec } from "../../test/support/tiny-program.js";
import { EXAMPLE_DIR, ensurePythonEnv } from "./python-env.js";

interface RunView { id: string; status: string; reason: string; sprints: Array<{ attempts: Array<{ status: string }> }> }
interface EventItem { message: { type: string; sprint: number; attempt: number; payload: Record<string, unknown> } }

const LIB = "exports.add = (a, b) => a + b;\n";
const TEST = `const assert = require("node:assert");\nconst { add } = require("./lib.js");\nassert.strictEqual(add(2, 3), 5);\nconsole.log("all tests passed");\n`;
const MIT = "MIT License\n\nCopyright (c) 2026 Calc\n\nPermission is hereby granted, free of charge, to any person obtaining a copy...\n";

/** A gzip-compressed tar, as the generator's snapshots are (tar's own `./` prefixes included). */
function tarGz(files: Record<string, string | Buffer>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "py-evaluator-artifact-"));
  try {
    for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
    return execFileSync("tar", ["-czf", "-", "-C", dir, "."], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Evaluation work as the supervisor sends it, for a run that exists only in this message. */
function work(runId: string, artifact: ArtifactRef): EvaluationRequested {
  return {
    id: `w-${runId}`, schemaVersion: SCHEMA_VERSION, type: "evaluation.requested", runId, sprint: 1, attempt: 1, causationId: null,
    producer: { role: "supervisor", instance: "test" }, time: new Date().toISOString(),
    payload: { specExcerpt: { title: "Calc", overview: "a library", features: [] }, contract: tinyContract(1), artifact, regression: [], scope: "sprint" },
  };
}

/** "Licensed" ships a LICENSE from the start; "Unlicensed" only once the license evaluator's feedback has come back. */
function build(req: ScriptRequest): StaticReply {
  const attempt = Number(/Sprint \d+, attempt (\d+)/.exec(req.allText)?.[1] ?? 1);
  if (req.turn > 0) return { text: `attempt ${attempt} done` };
  const files = [{ name: "write_file", input: { path: "lib.js", content: LIB } }, { name: "write_file", input: { path: "test.js", content: TEST } }];
  const licensed = req.allText.includes("Unlicensed") ? req.allText.includes("add a LICENSE file") : true;
  return { toolUse: licensed ? [...files, { name: "write_file", input: { path: "LICENSE", content: MIT } }] : files };
}

function script(): Script {
  return [
    ...["Licensed", "Unlicensed"].map((title) => ({ match: { role: "planner", contains: `${title}:` }, reply: { toolUse: [{ name: "submit_spec", input: tinySpec(title, 1) }] } })),
    { match: { role: "generator", toolChoice: "propose_contract" }, reply: { toolUse: [{ name: "propose_contract", input: tinyContract(1) }] } },
    { match: { role: "evaluator", toolChoice: "submit_review" }, reply: { toolUse: [{ name: "submit_review", input: { approved: true, changeRequests: [], comments: "the tests prove it" } }] } },
    { name: "build", match: { role: "generator", hasTool: "write_file" }, reply: build },
  ];
}

describe("examples/python-evaluator - a custom evaluator in Python gates runs through the published protocol", () => {
  let model: Awaited<ReturnType<typeof startScriptedModel>>;
  let stack: Stack;
  let py: ChildProcess;
  let out = "";

  beforeAll(async () => {
    const python = ensurePythonEnv();
    model = await startScriptedModel({ script: script() });
    // The stack's NATS has a user of its own for the evaluator (what `harness evaluator add license` makes).
    stack = await startStack({ modelUrl: model.url, evaluators: ["license"] });
    py = spawn(python, [join(EXAMPLE_DIR, "evaluator.py")], {
      cwd: EXAMPLE_DIR, env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...stack.nats.envFor("evaluator-license"), HARNESS_INSTANCE: "py-0" }, stdio: ["ignore", "pipe", "pipe"],
    });
    py.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
    py.stderr?.on("data", (d: Buffer) => { out += d.toString(); });
    await waitFor(() => out.includes("evaluator license ready") || py.exitCode !== null, { timeoutMs: 30_000, what: "the python evaluator" });
    if (py.exitCode !== null) throw new Error(`the python evaluator exited:\n${out}`);
  }, 180_000);

  afterAll(async () => {
    if (py && py.exitCode === null) {
      const exited = new Promise((r) => py.once("exit", r));
      py.kill("SIGTERM");
      await exited;
    }
    if (process.env["SHOW_PY"]) console.log(out);
    await stack?.stop();
    await model?.close();
  });

  const runToEnd = async (prompt: string) => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt, options: { evaluators: ["core", "license"], maxAttemptsPerSprint: 3 } });
    expect(created.status).toBe(201);
    const run = await waitFor(async () => {
      const { body } = await api<RunView>(stack, "GET", `/runs/${created.body.id}`);
      return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
    }, { timeoutMs: 90_000, intervalMs: 250, what: `run ${created.body.id}` }).catch((err) => { throw new Error(`${err}\n${stack.logs()}\n===== python =====\n${out}`); });
    const { body } = await api<{ events: EventItem[] }>(stack, "GET", `/runs/${run.id}/events`);
    const verdicts = body.events.filter((e) => e.message.type === "verdict.produced").map((e) => ({ ...e.message, verdict: e.message.payload["verdict"] as Verdict }));
    return { run, verdicts, outcomes: verdicts.map((v) => `${v.sprint}.${v.attempt}:${v.verdict.evaluator}:${v.verdict.passed ? "pass" : "fail"}`).sort() };
  };

  it("is listed by the supervisor from its heartbeats", async () => {
    const { body } = await api<{ services: Array<{ role: string; name: string; version: string; alive: boolean }> }>(stack, "GET", "/services");
    expect(body.services).toContainEqual(expect.objectContaining({ role: "evaluator", name: "license", version: "1.0.0", alive: true }));
  });

  it("passes a licensed build, in the sprint and in the final acceptance", async () => {
    const { run, verdicts, outcomes } = await runToEnd("Licensed: a tiny arithmetic library");
    expect(run.status, run.reason).toBe("completed");
    expect(outcomes).toEqual(["0.1:core:pass", "0.1:license:pass", "1.1:core:pass", "1.1:license:pass"]);
    const mine = verdicts.find((v) => v.verdict.evaluator === "license")!.verdict;
    expect(mine.criteria).toEqual([expect.objectContaining({ checkId: "license-file", kind: "custom", passed: true, evidence: [expect.objectContaining({ summary: "LICENSE names MIT" })] })]);
  });

  it("fails a build without a license and the rework, given its feedback, passes", async () => {
    const { run, verdicts, outcomes } = await runToEnd("Unlicensed: a tiny arithmetic library");
    expect(run.status, run.reason).toBe("completed");
    expect(run.sprints[0]?.attempts.map((a) => a.status)).toEqual(["failed", "passed"]);
    expect(outcomes).toEqual(["0.1:core:pass", "0.1:license:pass", "1.1:core:pass", "1.1:license:fail", "1.2:core:pass", "1.2:license:pass"]);
    const failed = verdicts.find((v) => !v.verdict.passed)!.verdict;
    expect(failed.criteria[0]).toMatchObject({ checkId: "license-file", passed: false, feedback: expect.stringContaining("add a LICENSE file") });
    expect(failed.criteria[0]?.evidence[0]?.summary).toMatch(/^no LICENSE file; the build has: lib\.js, test\.js/);
    const rework = model.requests.find((r) => r.headers["x-harness-role"] === "generator" && JSON.stringify(r.body).includes("Unlicensed") && JSON.stringify(r.body).includes("Sprint 1, attempt 2"));
    expect(JSON.stringify(rework?.body)).toContain("add a LICENSE file");
  });

  it("dead-letters work that is not a valid evaluation.requested, naming why, and goes on", async () => {
    const admin = await connect(stack.nats.as());
    try {
      await jetstream(admin).publish("harness.work.evaluate.license", JSON.stringify({ type: "evaluation.requested", id: "bogus" }));
    } finally {
      await admin.close();
    }
    const letter = await waitFor(async () => {
      const { body } = await api<{ deadLetters: Array<{ consumer: string; reason: string; originalSubject: string; deliveries: number }> }>(stack, "GET", "/dlq");
      return body.deadLetters.find((d) => d.consumer === "evaluator-license");
    }, { timeoutMs: 20_000, what: "the dead letter" });
    expect(letter).toMatchObject({ originalSubject: "harness.work.evaluate.license", deliveries: 1, reason: expect.stringMatching(/^payload failed schema validation: .*required property/) });
    expect(py.exitCode).toBeNull();
    // Everything it did went through its own user's permissions: nothing was refused on the way.
    expect(out).not.toMatch(/Traceback|not readable|Permissions Violation/i);
  });

  it("reads an artifact of several chunks from the object store, and refuses one whose bytes do not hash to its name", async () => {
    const bus = await connectBus({ ...stack.nats.as(), name: "py-artifacts", logger: pino({ level: "silent" }) });
    try {
      // Random bytes do not compress: three chunks of 512 KiB.
      const big = await bus.artifacts.put(tarGz({ LICENSE: MIT, "blob.bin": randomBytes(1_300_000) }));
      expect(big.size).toBeGreaterThan(1_048_576);
      await bus.publish(EvaluationRequested, work("direct-big", big), { subject: "harness.work.evaluate.license" });
      // Anyone who may write artifacts could put other bytes under a name: only the name is trusted.
      const bytes = tarGz({ LICENSE: MIT });
      const claimed = createHash("sha256").update("other bytes").digest("hex");
      await (await new Objm(bus.js).open("harness-artifacts")).putBlob({ name: `sha256-${claimed}` }, bytes);
      await bus.publish(EvaluationRequested, work("direct-forged", { name: `sha256-${claimed}`, digest: claimed, size: bytes.length }), { subject: "harness.work.evaluate.license" });

      const eventOf = async (runId: string, type: string) => waitFor(async () => (await bus.readRunEvents(runId)).map((e) => e.message as { type: string; payload: unknown }).find((m) => m.type === type), { timeoutMs: 30_000, what: `${type} of ${runId}` });
      const verdict = (await eventOf("direct-big", "verdict.produced")).payload as { verdict: Verdict };
      expect(verdict.verdict).toMatchObject({ evaluator: "license", passed: true, criteria: [expect.objectContaining({ evidence: [expect.objectContaining({ summary: "LICENSE names MIT" })] })] });
      const failed = (await eventOf("direct-forged", "work.failed")).payload as WorkFailed["payload"];
      expect(failed).toMatchObject({ role: "evaluator", work: "evaluation.requested", evaluator: "license", code: "PERMANENT", reason: expect.stringMatching(/hash to sha256-[0-9a-f]{64}/) });
      expect(await bus.readRunEvents("direct-forged").then((es) => es.some((e) => (e.message as { type: string }).type === "verdict.produced"))).toBe(false);
    } finally {
      await bus.close();
    }
  });

  it("fails its set-up, naming the command that fixes it, on a machine without the interpreter", () => {
    expect(() => ensurePythonEnv("/nonexistent/python3")).toThrow(/To fix it: install Python 3\.9 or newer: apt-get install -y python3 python3-venv/);
  });
});
