import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { TERMINAL_STATUSES } from "@harness/contracts";
import type { LocalStack } from "@harness/cli";
import { waitFor } from "@harness/testkit";
import type { ProbeReport } from "./sandbox-probe.js";

/** Every secret a local stack holds: each NATS user's password, the API token. */
export function stackSecrets(stack: LocalStack, dataDir: string): string[] {
  const auth = join(dataDir, "nats-auth");
  return [...readdirSync(auth).filter((f) => f.endsWith(".password")).map((f) => readFileSync(join(auth, f), "utf8").trim()), stack.token];
}

/** Submits the probe run and waits for it; the probes must not fail the product, so it completes. */
export async function runProbeRun(stack: LocalStack): Promise<void> {
  const headers = { authorization: `Bearer ${stack.token}`, "content-type": "application/json" };
  const created = await fetch(`${stack.apiUrl}/runs`, { method: "POST", headers, body: JSON.stringify({ prompt: "An adder served over HTTP", options: { maxAttemptsPerSprint: 1 } }) });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const run = await waitFor(async () => {
    const body = (await (await fetch(`${stack.apiUrl}/runs/${id}`, { headers })).json()) as { status: string; reason: string };
    return (TERMINAL_STATUSES as readonly string[]).includes(body.status) ? body : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250, what: "the probe run to finish" });
  const events = run.status === "completed" ? "" : (await (await fetch(`${stack.apiUrl}/runs/${id}/events?limit=1000`, { headers })).text()).slice(-6_000);
  expect(run.status, `${run.reason}\n${events}`).toBe("completed");
}

/**
 * The probe reported to the listener and wrote its markers, talked to NATS (which refused it
 * anonymous), found no credential anywhere and got in nowhere; no secret of the stack is in
 * anything it wrote.
 */
export function expectNothingFound(report: ProbeReport | undefined, label: string, markers: string, secrets: string[], otherUid: boolean): void {
  expect(report, `${label} reported to the listener`).toBeDefined();
  const r = report!;
  const onDisk = readdirSync(markers).filter((f) => f.startsWith(`${label}.`)).map((f) => JSON.parse(readFileSync(join(markers, f), "utf8")) as ProbeReport);
  expect(onDisk.length, `${label} wrote its marker`).toBeGreaterThan(0);
  expect(onDisk.every((m) => m.label === label)).toBe(true);
  expect(r.procs).toBeGreaterThan(0);
  expect(r.attempts[0]).toMatchObject({ user: null, ok: false, reply: expect.stringMatching(/Authorization Violation/i) });
  for (const m of [r, ...onDisk]) {
    expect(m.found.map((f) => f.where)).toEqual([]);
    expect(m.attempts.filter((a) => a.ok)).toEqual([]);
  }
  const text = JSON.stringify([r, onDisk]);
  for (const secret of secrets) expect(text.includes(secret), `a secret of the stack is in the ${label} probe's report`).toBe(false);
  if (otherUid) expect(r.uid, "the probe ran as the service's own uid").not.toBe(process.getuid?.());
}
