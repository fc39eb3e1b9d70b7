import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { api, startStack, type ServiceProc, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

interface EventsView { events: Array<{ message: { type: string; sprint: number; attempt: number; producer: { instance: string } } }> }
interface RunView { status: string; reason: string }

describe("generator - a replica killed mid-build", () => {
  let model: ScriptedModel;
  let stack: Stack;

  beforeAll(async () => {
    const rules = tinyProgramScript();
    const base = Array.isArray(rules) ? rules : rules.rules;
    // The first build turn of sprint 1 answers slowly, so the generator is surely mid-build when killed.
    model = await startScriptedModel({ script: [{ name: "slow-first-build", once: true, match: { role: "generator", hasTool: "write_file", turn: 0, contains: "Sprint 1, attempt 1" }, reply: { delayMs: 4_000, text: "Looking at the workspace first.", toolUse: [{ name: "list_files", input: {} }] } }, ...base] });
    stack = await startStack({ modelUrl: model.url, roles: ["planner", "generator", "evaluator"], env: { HARNESS_ACK_WAIT_MS: "3000" } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
  });

  it("is redone by another replica, and the run gets exactly one build event for that attempt", async () => {
    const { body } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    await waitFor(() => model.requests.some((r) => r.matchedRule === "slow-first-build"), { timeoutMs: 60_000, what: "the first build request" });
    const first = stack.services.find((s) => s.name === "generator") as ServiceProc;
    await stack.kill(first, "SIGKILL");
    const second = await stack.start("generator");

    const run = await waitFor(async () => {
      const v = (await api<RunView>(stack, "GET", `/runs/${body.id}`)).body;
      return ["completed", "failed"].includes(v.status) ? v : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250, what: "the run to finish" });
    expect(run.status, run.reason).toBe("completed");

    const { body: history } = await api<EventsView>(stack, "GET", `/runs/${body.id}/events`);
    const builds = history.events.map((e) => e.message).filter((m) => m.type === "build.produced");
    const perAttempt = new Map<string, number>();
    for (const b of builds) perAttempt.set(`${b.sprint}/${b.attempt}`, (perAttempt.get(`${b.sprint}/${b.attempt}`) ?? 0) + 1);
    expect([...perAttempt.entries()]).toEqual([["1/1", 1], ["2/1", 1], ["2/2", 1]]);
    // Sprint 1's build was finished by the replica started after the kill.
    expect(builds[0]?.producer.instance).toBe(`generator-${stack.services.indexOf(second)}`);
    expect(model.requests.filter((r) => r.matchedRule === "slow-first-build")).toHaveLength(1);
  });
});
