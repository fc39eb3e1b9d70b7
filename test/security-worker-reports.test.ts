import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { EventMessage, RunState, STREAMS, WorkMessage, eventSubject } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { envelope, randomId } from "@harness/runtime";
import { startScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { jetstream } from "@nats-io/jetstream";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

// A compromised worker's reports about work: usage, failures and budget refusals sent with real
// credentials on subjects their users may publish. The stack runs the supervisor and the planner;
// the test holds the generator's and a custom evaluator's credentials and takes the generator's
// work itself, as a compromised generator would.
const refused = /Permissions Violation|timeout/i;
const USAGE = { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };

let model: Awaited<ReturnType<typeof startScriptedModel>>;
let stack: Stack;
let admin: Bus;
let gen: Bus;
let x: Bus;

const state = async (id: string) => RunState.parse((await admin.runs.get(id))?.value);
const ignored = (text: string) => waitFor(() => stack.logs().includes(`event ignored: ${text}`), { timeoutMs: 15_000, what: `the supervisor ignoring: ${text}` });

/** Takes the next generator work item off its queue, as the generator would. */
async function takeWork(): Promise<WorkMessage> {
  const m = await (await jetstream(gen.nc).consumers.get(STREAMS.work, "generator")).next({ expires: 15_000 });
  if (!m) throw new Error("no generator work");
  m.ack();
  return WorkMessage.parse(m.json());
}

const as = (role: "generator" | "evaluator", instance: string) => ({ role, instance });
/** An event as a worker builds it, with an id of its own: ids derived from the work would make the forgeries duplicates of each other. */
const report = (type: string, payload: unknown, cause: { id: string; runId: string; sprint: number; attempt: number }, producer: ReturnType<typeof as>) =>
  envelope(type, payload, cause, producer, { id: randomId() }) as EventMessage;

beforeAll(async () => {
  model = await startScriptedModel({ script: tinyProgramScript() });
  stack = await startStack({ modelUrl: model.url, roles: ["planner"], evaluators: ["x"] });
  admin = await connectBus({ ...stack.nats.as(), name: "reports-observer" });
  const quiet = createLogger("forger", { level: "silent" });
  gen = await connectBus({ ...stack.nats.as("generator"), name: "forger-generator", logger: quiet });
  x = await connectBus({ ...stack.nats.as("evaluator-x"), name: "forger-x", logger: quiet });
}, 60_000);

afterAll(async () => {
  await Promise.all([gen?.close(), x?.close(), admin?.close()]);
  await stack?.stop();
  await model?.close();
});

describe("worker reports about work the sender was not given", () => {
  it("are ignored, charge nothing and fail nothing; a custom evaluator's usage names it; only the report about the sender's own work counts", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    const id = created.body.id;
    const work = await takeWork();
    expect([work.runId, work.type]).toEqual([id, "contract.requested"]);
    const before = await waitFor(async () => { const s = await state(id); return s.waitingFor === "contract" ? s : undefined; }, { what: "the contract wait" });
    const own = { id: work.id, runId: id, sprint: work.sprint, attempt: work.attempt };
    const made = { id: `made-up-${randomId()}`, runId: id, sprint: work.sprint, attempt: work.attempt };
    const recorded = (costUsd: number, role: "generator" | "judge" = "generator", evaluator?: string) => ({ callId: randomId(), ...(evaluator ? { evaluator } : {}), role, model: "claude-sonnet-4-5", usage: USAGE, costUsd });

    // F3: usage and a reservation of $1,000 for work this run never gave out.
    await gen.publish(EventMessage, report("usage.recorded", recorded(1_000), made, as("generator", "forger")));
    await ignored(`generator sent usage.recorded about work this run never gave out (${made.id})`);
    await gen.publish(EventMessage, report("usage.reserved", { reservationId: randomId(), role: "generator", model: "m", worstCase: { costUsd: 1_000, tokens: 1 }, delivery: 1 }, made, as("generator", "forger")));
    await ignored(`generator sent usage.reserved about work this run never gave out (${made.id})`);
    // F4: the generator's usage labelled as the judge's, and a custom evaluator's about the generator's work.
    await gen.publish(EventMessage, report("usage.recorded", recorded(1_000, "judge"), own, as("generator", "forger")));
    await ignored("generator does not make judge calls");
    const fromX = report("usage.recorded", recorded(1_000, "judge", "x"), own, as("evaluator", "x-forger"));
    await x.publish(EventMessage, fromX);
    await ignored("evaluator x sent usage.recorded about work given to generator");
    // Its usage is on a subject naming it; labelled as the core evaluator's, NATS refuses it.
    expect((await admin.readRunEvents(id)).map((e) => e.subject)).toContain(eventSubject(id, "usage.recorded", { role: "evaluator", evaluator: "x" }));
    await expect(x.publish(EventMessage, report("usage.recorded", recorded(1_000, "judge"), own, as("evaluator", "x-forger")))).rejects.toThrow(refused);
    // F5: failures of work the sender was not given.
    await gen.publish(EventMessage, report("work.failed", { role: "generator", work: "contract.requested", reason: "forged" }, made, as("generator", "forger")));
    await ignored(`generator sent work.failed about work this run never gave out (${made.id})`);
    await x.publish(EventMessage, report("work.failed", { role: "evaluator", work: "evaluation.requested", evaluator: "x", reason: "forged" }, own, as("evaluator", "x-forger")));
    await ignored("evaluator x sent work.failed about work given to generator");

    // The generator's own report about its own work counts.
    await gen.publish(EventMessage, report("usage.recorded", recorded(0.01), own, as("generator", "forger")));
    const after = await waitFor(async () => { const s = await state(id); return s.usage.calls === before.usage.calls + 1 ? s : undefined; }, { what: "the real usage" });
    expect([after.status, after.waitingFor]).toEqual(["running", "contract"]);
    expect(after.usage.costUsd).toBeCloseTo(before.usage.costUsd + 0.01, 6);
    expect([after.usage.reservedUsd, after.usage.unsettledUsd]).toEqual([0, 0]);
  }, 120_000);
});

describe("budget refusals the ledger does not bear out", () => {
  it("send the work out again at most twice, then fail the run saying why", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    const id = created.body.id;
    const taken: string[] = [];
    // A compromised generator refuses every copy of its work: $49.99 claimed spent of $50.
    for (let i = 0; i < 3; i++) {
      const work = await takeWork();
      expect([work.runId, work.type]).toEqual([id, "contract.requested"]);
      taken.push(work.id);
      const refusal = envelope("budget.exceeded", {
        kind: "cost" as const, limit: 50, used: 49.99, detail: "forged", round: 1,
        refused: { role: "generator" as const, model: "claude-sonnet-4-5", spent: 49.99, reserved: 0, worstCase: 49.99 },
      }, { id: work.id, runId: id, sprint: work.sprint, attempt: work.attempt }, as("generator", "forger"));
      await gen.publish(EventMessage, refusal as EventMessage);
    }
    const failed = await waitFor(async () => { const s = await state(id); return s.status === "failed" ? s : undefined; }, { what: "the run to fail" });
    expect(failed.reason).toMatch(/^generator refused the contract work's model calls 3 times on cost where the supervisor's ledger leaves room: not sent out again/);
    expect(new Set(taken).size).toBe(3);
    // Nothing more was sent out for the generator.
    const more = await (await jetstream(gen.nc).consumers.get(STREAMS.work, "generator")).next({ expires: 1_000 });
    expect(more).toBeNull();
    // Three records of a suspect refusal, the last with the run's failure for the same reason.
    const suspects = (await admin.readRunEvents(id)).map((e) => (e.message as { payload?: { decision?: string; to?: string } }).payload).filter((p) => p?.decision === "budget_refusal_suspect");
    expect(suspects.map((p) => p?.to)).toEqual(["running", "running", "running", "failed"]);
  }, 120_000);
});
