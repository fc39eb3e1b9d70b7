import { TERMINAL_STATUSES } from "@harness/contracts";
import { waitFor } from "@harness/testkit";
import { gunzipSync } from "node:zlib";
import { securityPrompt, type SecurityCase } from "./chaos-security-script.js";
import { api, type Stack } from "./stack.js";

/* Drives one security case through the real stack and exports everything it left behind. */

export const CANARY_KEY = "sk-ant-test-secret-key-do-not-leak";

export interface Finished {
  id: string;
  status: string;
  reason: string;
  /** GET /runs/:id/events, as served. */
  eventsText: string;
  /** The run's last workspace snapshot, exported through the API and unpacked to tar bytes. */
  tar: string;
}

export async function runCase(stack: Stack, kind: SecurityCase): Promise<Finished> {
  const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: securityPrompt(kind), options: { maxAttemptsPerSprint: 1 } });
  if (created.status !== 201) throw new Error(`POST /runs answered ${created.status}`);
  const id = created.body.id;
  const view = await waitFor(async () => {
    const { body } = await api<{ status: string; reason: string; lastArtifact?: { name: string }; sprints: Array<{ attempts: Array<{ build?: { artifact: { name: string } } }> }> }>(stack, "GET", `/runs/${id}`);
    return (TERMINAL_STATUSES as readonly string[]).includes(body.status) ? body : undefined;
  }, { timeoutMs: 40_000, intervalMs: 250, what: `the ${kind} run to finish` });
  const res = await fetch(`${stack.apiUrl}/runs/${id}/events?limit=10000`);
  const eventsText = await res.text();
  const ref = view.lastArtifact?.name ?? view.sprints[0]?.attempts[0]?.build?.artifact.name;
  let tar = "";
  if (ref) {
    const art = await fetch(`${stack.apiUrl}/runs/${id}/artifacts/${ref}`);
    if (art.status !== 200) throw new Error(`GET artifact answered ${art.status}`);
    // Snapshots are gzipped tars: search the unpacked bytes, where file contents are plain.
    tar = gunzipSync(Buffer.from(await art.arrayBuffer())).toString("latin1");
  }
  return { id, status: view.status, reason: view.reason, eventsText, tar };
}
