import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { sleep, waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoggedEvent } from "../support/chaos-audit.js";
import { answered, responseId } from "../support/chaos-script.js";
import { api, startStack, type Stack } from "../support/stack.js";
import { tinyProgramScript } from "../support/tiny-program.js";

const LIB = "exports.add = (a, b) => a + b;\n";
const TEST = `const assert = require("node:assert");\nassert.strictEqual(require("./lib.js").add(2, 3), 5);\nconsole.log("all tests passed");\n`;
/** Longer than a JetStream publish waits for its ack (5 s): the usage event cannot get out in time. */
const OUTAGE_MS = 8_000;

describe("chaos - a model call answered while NATS is away", () => {
  let model: ScriptedModel;
  let stack: Stack;

  beforeAll(async () => {
    const base = tinyProgramScript();
    model = await startScriptedModel({
      script: [
        // The first build turn answers slowly, so the answer lands while nats-server is down.
        { name: "slow-first-build", times: 1, match: { role: "generator", hasTool: "write_file" }, reply: { delayMs: 1_500, toolUse: [{ name: "write_file", input: { path: "lib.js", content: LIB } }, { name: "write_file", input: { path: "test.js", content: TEST } }] } },
        ...(Array.isArray(base) ? base : base.rules),
      ],
    });
    stack = await startStack({ modelUrl: model.url });
  });

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
  });

  it("is still charged to the run exactly once when the usage event could not be published at first", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply", options: { maxAttemptsPerSprint: 3 } });
    expect(created.status).toBe(201);
    const slow = await waitFor(() => model.requests.find((r) => r.matchedRule === "slow-first-build"), { timeoutMs: 30_000, intervalMs: 20, what: "the slow build call" });
    await stack.nats.stop();
    await sleep(OUTAGE_MS);
    await stack.nats.restart();

    const run = await waitFor(async () => {
      const { status, body } = await api<{ status: string; reason: string; usage: { calls: number } }>(stack, "GET", `/runs/${created.body.id}`).catch(() => ({ status: 0, body: undefined }));
      return status === 200 && body && ["completed", "failed"].includes(body.status) ? body : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500, what: "the run to finish" });
    expect(run.status, run.reason).toBe("completed");
    expect(slow.status, "the slow call was answered").toBe(200);

    const events = (await api<{ events: LoggedEvent[] }>(stack, "GET", `/runs/${created.body.id}/events`)).body.events;
    const charged = events.filter((e) => e.message.type === "usage.recorded").map((e) => String(e.message.payload["callId"]));
    const billable = answered(model.requests).map((r) => responseId(r) ?? "");
    expect(charged, "the call answered during the outage").toContain(responseId(slow));
    expect(charged.sort()).toEqual(billable.sort());
    expect(run.usage.calls).toBe(billable.length);
  });
});
