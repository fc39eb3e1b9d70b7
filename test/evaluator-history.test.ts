import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import type { SprintContract } from "@harness/contracts";
import { createModelClient } from "@harness/model";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { useNatsServer } from "@harness/testkit";
import { gitCommit, gitInit, snapshot } from "@harness/workspace";
import { evaluate, type EvaluateDeps } from "../services/evaluator/src/evaluate.js";
import { evaluationMessage } from "./fixtures/apps/todo.js";

function contract(command: string): SprintContract {
  return {
    sprint: 1, summary: "a status file",
    deliverables: [{ id: "D1", description: "status.txt says ok", featureIds: ["F1"] }],
    checks: [{ id: "c1", kind: "command", description: "the check", command, deliverableIds: ["D1"], expectExitCode: 0, expectOutput: [], timeoutMs: 30_000 }],
  };
}

describe("evaluator - restores the product, and its history only when asked", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let model: ScriptedModel;
  let work: string;
  let deps: EvaluateDeps;
  let artifact: { name: string; digest: string; size: number };

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "evaluator-history-test" });
    await bus.provision();
    // No rules: these contracts have no rubric, so any model call would be a bug.
    model = await startScriptedModel({ script: [] });
    work = await mkdtemp(join(tmpdir(), "evaluator-history-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
    // The evaluator's work directory sits inside another repository, as it may on a developer's machine.
    await gitInit(work);
    await writeFile(join(work, "outer.txt"), "outer\n");
    await gitCommit(work, "outer repository");
    // That commit gave `work` to its sandbox user (0700); reopen it for the workspaces below.
    await chmod(work, 0o711);
    const src = join(work, "src");
    await gitInit(src);
    await writeFile(join(src, "status.txt"), "ok\n");
    await gitCommit(src, "first sprint");
    artifact = await bus.artifacts.put((await snapshot(src)).bytes);
    deps = {
      bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core",
      workdir: join(work, "evaluator"), chromium: "/usr/bin/chromium", judgeSystem: "unused",
    };
  });

  afterAll(async () => {
    await bus?.close();
    await model?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("checks run in the working tree without .git by default", async () => {
    // ...and git finds no repository: not the snapshot's history, not the one around the work directory.
    const verdict = await evaluate(deps, evaluationMessage("run-lean", contract("grep -qx ok status.txt && test ! -e .git && ! git rev-parse --git-dir"), artifact));
    expect(verdict.criteria[0]?.evidence[0]?.summary).toMatch(/exited 0/);
    expect(verdict.passed).toBe(true);
  });

  it("with restoreGit, checks can read the history the generator committed", async () => {
    const check = contract("git log --format=%s | grep -qx 'first sprint' && grep -qx ok status.txt");
    expect((await evaluate(deps, evaluationMessage("run-no-history", check, artifact))).passed).toBe(false);
    expect((await evaluate({ ...deps, restoreGit: true }, evaluationMessage("run-history", check, artifact))).passed).toBe(true);
  });
});
