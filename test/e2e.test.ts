import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { SUBJECTS } from "@harness/contracts";
import { waitFor } from "@harness/testkit";
import { api, startStack, type Stack } from "./support/stack.js";
import { NOTES_MARKER, tinyProgramScript } from "./support/tiny-program.js";

interface RunView { id: string; status: string; reason: string; final?: { status: string; attempts: Array<{ attempt: number; status: string }> }; usage: { calls: number; inputTokens: number; outputTokens: number; costUsd: number }; sprints: Array<{ number: number; status: string; attempts: Array<{ status: string }> }> }
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read payloads loosely
interface EventItem { seq: number; message: { type: string; sprint: number; attempt: number; payload: Record<string, any> } }

describe("e2e - a prompt becomes a finished run over NATS with the real SDK", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let nc: NatsConnection;
  const evaluationWork: string[] = [];

  beforeAll(async () => {
    model = await startScriptedModel({ script: tinyProgramScript() });
    stack = await startStack({ modelUrl: model.url });
    // A plain subscriber sees every evaluation work message as published.
    nc = await connect({ ...stack.nats.as() });
    const sub = nc.subscribe(`${SUBJECTS.workEvaluatePrefix}.>`);
    void (async () => { for await (const m of sub) evaluationWork.push(m.string()); })();
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
    await model?.close();
  });

  const waitTerminal = (id: string) => waitFor(async () => {
    const { body } = await api<RunView>(stack, "GET", `/runs/${id}`);
    return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
  }, { timeoutMs: 150_000, intervalMs: 250, what: `run ${id} to finish` });

  it("builds a two-sprint program, catches sprint 2's bug with a real check, reworks it and completes", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply", options: { maxAttemptsPerSprint: 3 } });
    expect(created.status).toBe(201);
    const run = await waitTerminal(created.body.id).catch((err) => { throw new Error(`${err}\n${stack.logs()}`); });
    expect(run.status, run.reason).toBe("completed");
    expect(run.sprints.map((s) => [s.number, s.status, s.attempts.map((a) => a.status)])).toEqual([[1, "passed", ["passed"]], [2, "passed", ["failed", "passed"]]]);

    const { body } = await api<{ events: EventItem[] }>(stack, "GET", `/runs/${run.id}/events`);
    const sequence = body.events.map((e) => e.message).filter((m) => !m.type.startsWith("usage.")).map((m) => m.type === "run.transition" ? `transition:${m.payload["to"]}` : m.type === "verdict.produced" ? `verdict:${m.payload["verdict"].passed ? "pass" : "fail"}` : m.type);
    expect(sequence).toEqual([
      "run.requested", "transition:planning", "spec.produced", "transition:running",
      "contract.proposed", "contract.reviewed", "build.produced", "verdict:pass",
      "contract.proposed", "contract.reviewed", "build.produced", "verdict:fail", "build.produced", "verdict:pass",
      // The whole product's final acceptance (a decision that keeps the status running), then the end.
      "transition:running", "verdict:pass", "transition:completed",
    ]);
    // The failing verdict carries the failing output as evidence.
    const failing = body.events.find((e) => e.message.type === "verdict.produced" && !e.message.payload["verdict"].passed)!;
    expect(JSON.stringify(failing.message.payload["verdict"].criteria[0].evidence)).toContain("AssertionError");

    // That feedback reached the second generator attempt, in its very first request.
    const rework = model.requests.find((r) => r.headers["x-harness-role"] === "generator" && JSON.stringify(r.body).includes("Sprint 2, attempt 2"));
    expect(rework).toBeDefined();
    const reworkText = JSON.stringify(rework!.body);
    expect(reworkText).toContain("FAILED unit-tests");
    expect(reworkText).toContain("AssertionError");
    expect(reworkText).toContain(NOTES_MARKER); // the previous attempt's notes go to the generator...

    // ...but never to an evaluator: its work holds only spec excerpt, contract, artifact and earlier sprints' accepted checks.
    expect(evaluationWork.length).toBeGreaterThanOrEqual(3);
    for (const raw of evaluationWork) {
      expect(raw).not.toContain(NOTES_MARKER);
      expect(Object.keys(JSON.parse(raw).payload).sort(), raw.slice(0, 300)).toEqual(["artifact", "contract", "explore", "regression", "scope", "specExcerpt"]);
    }
    // Sprint 2's builds were also judged by sprint 1's accepted checks, re-run on them.
    const sprintTwoPass = body.events.filter((e) => e.message.type === "verdict.produced" && e.message.sprint === 2).at(-1)!;
    const regressions = (sprintTwoPass.message.payload["verdict"].criteria as Array<{ kind: string; passed: boolean; origin?: { sprint: number } }>).filter((c) => c.kind === "regression");
    expect(regressions.length).toBeGreaterThan(0);
    expect(regressions.every((c) => c.passed && c.origin?.sprint === 1)).toBe(true);
    // The final acceptance re-ran every sprint's accepted checks on the last build.
    const finalVerdict = body.events.find((e) => e.message.type === "verdict.produced" && e.message.sprint === 0)!;
    expect((finalVerdict.message.payload["verdict"].criteria as Array<{ kind: string }>).some((c) => c.kind === "regression")).toBe(true);
    expect(run.final).toMatchObject({ status: "passed", attempts: [{ attempt: 1, status: "passed" }] });

    // Usage from every model call is summed on the run, once each.
    const answered = model.requests.filter((r) => r.path === "/v1/messages" && r.status === 200);
    const usageEvents = body.events.filter((e) => e.message.type === "usage.recorded");
    expect(usageEvents).toHaveLength(answered.length);
    expect(run.usage.calls).toBe(answered.length);
    expect(run.usage.inputTokens).toBe(answered.reduce((n, r) => n + (r.usage?.input_tokens ?? 0), 0));
    expect(run.usage.outputTokens).toBe(answered.reduce((n, r) => n + (r.usage?.output_tokens ?? 0), 0));
    expect(run.usage.costUsd).toBeGreaterThan(0);
  });

  it("ends a run whose sprint never passes as failed with reason max attempts, without hanging", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A library whose build never passes", options: { maxAttemptsPerSprint: 2 } });
    expect(created.status).toBe(201);
    const run = await waitTerminal(created.body.id);
    expect(run.status).toBe("failed");
    expect(run.reason).toMatch(/^max attempts/);
    expect(run.sprints[0]?.attempts.map((a) => a.status)).toEqual(["failed", "failed"]);
  });
});
