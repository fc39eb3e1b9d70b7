import { SpecProduced, SUBJECTS } from "@harness/contracts";
import { useNatsServer, waitFor } from "@harness/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPEC, startTestSupervisor, TEST_TOKEN, type TestSupervisor } from "../services/supervisor/src/test-fixtures.js";

const nats = useNatsServer();
const replicas: TestSupervisor[] = [];
let nc: NatsConnection;
const planWork: Array<{ id: string; runId: string }> = [];

interface RunView { status: string; reason: string; waitingFor: string }
interface EventItem { seq: number; message: { type: string; payload: { decision?: string; to?: string } } }

beforeAll(async () => {
  // Two replicas, each with its own watchdog, both looking at every run.
  for (const name of ["sup-a", "sup-b"]) replicas.push(await startTestSupervisor(nats.as(), { name, stallAfterMs: 500, watchdogIntervalMs: 100 }));
  nc = await connect({ ...nats.as() });
  const sub = nc.subscribe(SUBJECTS.workPlan);
  void (async () => { for await (const m of sub) planWork.push(m.json()); })();
});
afterAll(async () => {
  await nc?.close();
  for (const r of replicas) await r.close();
});

const api = async <T>(method: "GET" | "POST", url: string, body?: unknown) => {
  const res = await replicas[0]!.app.inject({ method, url, headers: { authorization: `Bearer ${TEST_TOKEN}` }, ...(body ? { payload: body as object } : {}) });
  return res.json<T>();
};
const distinctPlanWork = (runId: string) => [...new Map(planWork.filter((w) => w.runId === runId).map((w) => [w.id, w])).values()];
const run = (id: string) => api<RunView>("GET", `/runs/${id}`);
const decisions = async (id: string) => (await api<{ events: EventItem[] }>("GET", `/runs/${id}/events`)).events
  .filter((e) => e.message.type === "run.transition").map((e) => e.message.payload.decision);

describe("supervisor watchdog - a run never hangs", () => {
  it("work that never answers is re-dispatched once, then the run pauses as stalled; two watching replicas act once", async () => {
    const { id } = await api<{ id: string }>("POST", "/runs", { prompt: "nobody is listening" });
    const paused = await waitFor(async () => { const r = await run(id); return r.status === "paused" ? r : undefined; }, { timeoutMs: 15_000, what: "the stalled run to pause" });
    expect(paused.reason).toMatch(/^stalled: no progress while waiting for spec for \d+s, even after a re-dispatch; needs a human$/);
    expect(await decisions(id)).toEqual(["plan", "stall_redispatch", "stalled"]);
    // The original plan work and exactly one re-dispatch, whatever the number of replicas
    // (core NATS also shows publishes JetStream dropped as duplicates: count distinct ids).
    expect(distinctPlanWork(id)).toHaveLength(2);

    // A human resumes: the held work goes out again, and an answer moves the run on.
    await api("POST", `/runs/${id}/resume`, {});
    await waitFor(() => distinctPlanWork(id).length === 3, { what: "the plan work re-issued on resume" });
    const last = distinctPlanWork(id).at(-1)!;
    await replicas[1]!.bus.publish(SpecProduced, {
      id: `spec-${last.id}`.slice(0, 64), schemaVersion: 1, type: "spec.produced", runId: id, sprint: 0, attempt: 0, causationId: last.id,
      producer: { role: "planner", instance: "test" }, time: new Date().toISOString(), payload: { spec: SPEC, version: 1 },
    });
    await waitFor(async () => (await run(id)).waitingFor === "contract", { what: "the run to go on to its first contract" });
    expect((await run(id)).status).toBe("running");
  });

  it("a run past its wall-clock budget ends by the clock, with no event to trigger it", async () => {
    // Shorter than the stall bound's re-dispatch and escalation, so the clock decides.
    const budget = { maxCostUsd: 1, maxTokens: 1_000_000, maxWallClockMs: 700 };
    const { id } = await api<{ id: string }>("POST", "/runs", { prompt: "a slow one", options: { budget } });
    const failed = await waitFor(async () => { const r = await run(id); return r.status === "failed" ? r : undefined; }, { timeoutMs: 15_000, what: "the run to fail on wall-clock" });
    expect(failed.reason).toMatch(/^wall-clock budget exceeded: \d+s of 1s$/);
    expect((await decisions(id)).filter((d) => d === "budget_wallclock")).toHaveLength(1);
  });
});
