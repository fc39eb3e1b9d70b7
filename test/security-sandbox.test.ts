import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TERMINAL_STATUSES } from "@harness/contracts";
import { startLocalStack, type LocalStack } from "@harness/cli";
import { waitFor } from "@harness/testkit";
import { runCommand } from "@harness/workspace";
import { probeScript, probeSource, startReportListener, type ProbeReport } from "./support/sandbox-probe.js";

/**
 * Issue 23's second acceptance bullet on the local stack (`harness up`'s own code: NATS with a
 * user per role, credentials in the data folder): generated code in a build and in an evaluated
 * product's server looks for credentials everywhere and tries NATS with them.
 */
describe("security - untrusted code runs with no credential in reach", () => {
  let base: string;
  let stack: LocalStack;
  let listener: Awaited<ReturnType<typeof startReportListener>>;
  let markers: string;
  let dataDir: string;
  let natsPort = 0;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "harness-sandbox-"));
    chmodSync(base, 0o711);
    dataDir = join(base, "data");
    markers = join(base, "markers");
    mkdirSync(markers);
    // The probes run as sandbox users: the marker folder is open to anyone, like /tmp.
    chmodSync(markers, 0o1777);
    listener = await startReportListener();
    const target = () => ({ credentialDirs: [dataDir], natsPort, markerDir: markers, listenerPort: listener.port });
    stack = await startLocalStack({ dataDir, port: 0, script: probeScript(target), env: { LOG_LEVEL: "warn" } });
    natsPort = Number(new URL(stack.natsUrl).port);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await listener?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  /** Every secret the stack holds: each user's password, the API token. */
  function secrets(): string[] {
    const auth = join(dataDir, "nats-auth");
    const passwords = readdirSync(auth).filter((f) => f.endsWith(".password")).map((f) => readFileSync(join(auth, f), "utf8").trim());
    return [...passwords, stack.token];
  }

  function expectNothingFound(report: ProbeReport | undefined, label: string): void {
    expect(report, `${label} reported to the listener`).toBeDefined();
    const r = report!;
    const onDisk = readdirSync(markers).filter((f) => f.startsWith(`${label}.`)).map((f) => JSON.parse(readFileSync(join(markers, f), "utf8")) as ProbeReport);
    expect(onDisk.length, `${label} wrote its marker`).toBeGreaterThan(0);
    expect(onDisk.every((m) => m.label === label)).toBe(true);
    // It looked: it listed processes and talked to NATS, which refused it without credentials.
    expect(r.procs).toBeGreaterThan(0);
    expect(r.attempts[0]).toMatchObject({ user: null, ok: false, reply: expect.stringMatching(/Authorization Violation/i) });
    // It found nothing and got in nowhere.
    expect(r.found.map((f) => f.where)).toEqual([]);
    expect(r.attempts.filter((a) => a.ok)).toEqual([]);
    for (const m of onDisk) expect(m.found.map((f) => f.where)).toEqual([]);
    const text = JSON.stringify([r, onDisk]);
    for (const secret of secrets()) expect(text.includes(secret), `a secret of the stack is in the ${label} probe's report`).toBe(false);
    if (stack.sandbox.mode === "uid") expect(r.uid, "the probe ran as the service's own uid").not.toBe(process.getuid?.());
  }

  it("a build's command and the evaluated product's server find no credential in /proc or the data folder and cannot connect to NATS", async () => {
    expect(stack.sandbox.mode).not.toBe("off");
    const created = await fetch(`${stack.apiUrl}/runs`, { method: "POST", headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" }, body: JSON.stringify({ prompt: "An adder served over HTTP", options: { maxAttemptsPerSprint: 1 } }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const run = await waitFor(async () => {
      const body = (await (await fetch(`${stack.apiUrl}/runs/${id}`, { headers: { authorization: `Bearer ${stack.token}` } })).json()) as { status: string; reason: string };
      return (TERMINAL_STATUSES as readonly string[]).includes(body.status) ? body : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, what: "the probe run to finish" });
    // The probes do not fail the product: the run completes, so both of them surely ran.
    const events = run.status === "completed" ? "" : (await (await fetch(`${stack.apiUrl}/runs/${id}/events?limit=1000`, { headers: { authorization: `Bearer ${stack.token}` } })).text()).slice(-6_000);
    expect(run.status, `${run.reason}\n${events}`).toBe("completed");
    expectNothingFound(listener.reports.get("generator"), "generator");
    expectNothingFound(listener.reports.get("evaluator"), "evaluator");
  }, 90_000);

  it("the same probe run unsandboxed finds the credentials and connects: the probe can see what the sandbox hides", async () => {
    const ws = join(base, "unsandboxed");
    mkdirSync(ws);
    const before = process.env["HARNESS_SANDBOX"];
    process.env["HARNESS_SANDBOX"] = "off";
    try {
      const source = probeSource({ label: "control", credentialDirs: [dataDir], natsPort, markerDir: markers, listenerPort: listener.port });
      const r = await runCommand(ws, `cat > probe.cjs <<'EOF'\n${source}\nEOF\nnode probe.cjs`, { timeoutMs: 60_000 });
      expect(r.stdout, r.stderr).toContain("probe control reported");
    } finally {
      if (before === undefined) delete process.env["HARNESS_SANDBOX"];
      else process.env["HARNESS_SANDBOX"] = before;
    }
    const report = listener.reports.get("control");
    expect(readdirSync(markers).some((f) => f.startsWith("control."))).toBe(true);
    expect(report?.found.some((f) => f.where.endsWith("generator.password"))).toBe(true);
    expect(report?.attempts.some((a) => a.ok && a.user === "generator")).toBe(true);
  }, 90_000);
});
