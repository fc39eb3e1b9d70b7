import type { Bus } from "@harness/bus";
import { CONSUMERS, RunState, STREAMS, evaluatorConsumer } from "@harness/contracts";
import type { ScriptedModel } from "@harness/scripted-model";
import { sleep, waitFor } from "@harness/testkit";
import { auditRun, type FoldedState, type LoggedEvent, type RunAudit, type RunViewLite } from "./chaos-audit.js";
import { appliedIds } from "../../services/supervisor/src/archive.js";
import type { Cluster } from "./chaos-cluster.js";
import { answered, requestTag, type RunPlan } from "./chaos-script.js";

/* Driving many runs through a cluster and collecting what is needed to audit them. */

export interface StartedRun { plan: RunPlan; id: string }

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

export async function createRuns(cluster: Pick<Cluster, "api">, plans: readonly RunPlan[]): Promise<StartedRun[]> {
  return Promise.all(plans.map(async (plan) => {
    // The tag as idempotency key: a create retried against another replica is still one run.
    const res = await cluster.api<{ id: string }>("POST", "/runs", { prompt: plan.prompt, options: plan.options }, { "idempotency-key": plan.tag });
    if (res.status !== 201 && res.status !== 200) throw new Error(`POST /runs answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { plan, id: res.body.id };
  }));
}

export async function waitAllTerminal(cluster: Pick<Cluster, "api">, runs: readonly StartedRun[], timeoutMs: number): Promise<Map<string, number>> {
  const endedAt = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  while (endedAt.size < runs.length && Date.now() < deadline) {
    for (const run of runs) {
      if (endedAt.has(run.id)) continue;
      const { body } = await cluster.api<RunViewLite>("GET", `/runs/${run.id}`);
      if (TERMINAL.has(body.status)) endedAt.set(run.id, Date.now());
    }
    await sleep(500);
  }
  return endedAt;
}

/** Waits until every event is folded and no work is in flight anywhere, steadily. */
export async function quiesce(bus: Bus, timeoutMs = 60_000): Promise<void> {
  const durables: Array<[string, string]> = [
    [STREAMS.events, CONSUMERS.supervisor], [STREAMS.work, CONSUMERS.planner], [STREAMS.work, CONSUMERS.generator],
    [STREAMS.work, CONSUMERS.reviewer], [STREAMS.work, evaluatorConsumer("core")],
  ];
  let calm = 0;
  await waitFor(async () => {
    const infos = await Promise.all(durables.map(([s, c]) => bus.jsm.consumers.info(s, c)));
    calm = infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0) ? calm + 1 : 0;
    return calm >= 3;
  }, { timeoutMs, intervalMs: 500, what: "every consumer to drain" });
}

export interface Collected { audit: RunAudit; events: LoggedEvent[] }

export async function collect(cluster: Cluster, bus: Bus, model: ScriptedModel, run: StartedRun): Promise<Collected> {
  const view = (await cluster.api<RunViewLite>("GET", `/runs/${run.id}`)).body;
  const events = (await cluster.api<{ events: LoggedEvent[] }>("GET", `/runs/${run.id}/events?limit=10000`)).body.events;
  const entry = await bus.runs.get(run.id);
  if (!entry) throw new Error(`run ${run.id} has no state in KV`);
  const stored = RunState.parse(entry.value);
  const state: FoldedState = {
    applied: await appliedIds(bus, stored), eventCount: stored.eventCount,
    writtenOff: stored.reservations.filter((r) => r.writtenOff).map((r) => r.id),
    openReservations: stored.reservations.filter((r) => !r.writtenOff).map((r) => r.id),
  };
  const requests = answered(model.requests).filter((r) => requestTag(r) === run.plan.tag);
  const audit = auditRun({ tag: run.plan.tag, kind: run.plan.kind, view, events, state, requests, faults: cluster.faults });
  return { audit, events };
}

/** Deliveries beyond one per message, over work and events: work that a fault made someone redo. */
export async function redeliveries(bus: Bus): Promise<number> {
  const work = [CONSUMERS.planner, CONSUMERS.generator, CONSUMERS.reviewer, evaluatorConsumer("core")];
  const infos = await Promise.all(work.map((c) => bus.jsm.consumers.info(STREAMS.work, c)));
  const workMsgs = (await bus.jsm.streams.info(STREAMS.work)).state.last_seq;
  const sup = await bus.jsm.consumers.info(STREAMS.events, CONSUMERS.supervisor);
  const eventMsgs = (await bus.jsm.streams.info(STREAMS.events)).state.last_seq;
  return infos.reduce((n, i) => n + i.delivered.consumer_seq, 0) - workMsgs + sup.delivered.consumer_seq - eventMsgs;
}
