import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { api, startStack, type ServiceProc, type Stack } from "./support/stack.js";
import { slowPageScript } from "./support/slow-page.js";

interface EventsView { events: Array<{ message: { type: string; sprint: number; attempt: number; producer: { instance: string }; payload: { verdict?: { passed: boolean } } } }> }
interface RunView { status: string; reason: string; sprints: Array<{ number: number; status: string; attempts: Array<{ attempt: number; status: string; verdicts: Record<string, { passed: boolean }> }> }> }

/**
 * Issue 22 §5: Ctrl-C on the evaluator during a browser check used to publish "Target page,
 * context or browser has been closed" as the product's failure and cost a build attempt.
 */
describe("evaluator - stopped in the middle of a browser check", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let dir: string;
  let visits: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "evaluator-interrupt-"));
    chmodSync(dir, 0o711); // the sandbox user passes through to the workspaces below
    // The product runs as its workspace's sandbox user, another for each evaluation: the log it
    // notes visits in is open to all of them (created here empty: the test waits for a line).
    visits = join(dir, "visits.log");
    writeFileSync(visits, "");
    chmodSync(visits, 0o666);
    model = await startScriptedModel({ script: slowPageScript(visits) });
    stack = await startStack({ modelUrl: model.url, roles: ["planner", "generator", "evaluator"] });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("publishes no verdict, leaves the attempt count alone, and the evaluation is redone after a restart", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "Slow Notes: a notes page" });
    const run = () => api<RunView>(stack, "GET", `/runs/${body.id}`).then((r) => r.body);
    // Only the evaluator's browser opens the page (the build does not start the app).
    await waitFor(() => readFileSync(visits, "utf8") !== "", { timeoutMs: 120_000, intervalMs: 100, what: "the evaluator's browser check to start" });
    const first = stack.services.find((s) => s.name === "evaluator") as ServiceProc;
    await stack.kill(first, "SIGINT");
    expect(first.proc.exitCode, first.output()).toBe(0);
    expect(first.output()).toContain("evaluation interrupted; released for redelivery");

    const { body: before } = await api<EventsView>(stack, "GET", `/runs/${body.id}/events`);
    expect(before.events.filter((e) => e.message.type === "verdict.produced")).toEqual([]);
    const waiting = await run();
    expect(waiting.status).toBe("running");
    expect(waiting.sprints[0]?.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, "evaluating"]]);

    const second = await stack.start("evaluator");
    const done = await waitFor(async () => {
      const v = await run();
      return ["completed", "failed"].includes(v.status) ? v : undefined;
    }, { timeoutMs: 150_000, intervalMs: 250, what: "the run to finish" });
    expect(done.status, `${done.reason}\n${stack.logs()}`).toBe("completed");
    // Still attempt 1, passed on the redone evaluation.
    expect(done.sprints[0]?.attempts.map((a) => [a.attempt, a.status, a.verdicts["core"]?.passed])).toEqual([[1, "passed", true]]);
    const { body: after } = await api<EventsView>(stack, "GET", `/runs/${body.id}/events`);
    const verdicts = after.events.map((e) => e.message).filter((m) => m.type === "verdict.produced");
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((v) => v.payload.verdict?.passed === true && v.producer.instance.endsWith(`evaluator-${stack.services.indexOf(second)}`))).toBe(true);
    expect(readFileSync(visits, "utf8").trim().split("\n").length).toBeGreaterThanOrEqual(3);
  }, 300_000);
});
