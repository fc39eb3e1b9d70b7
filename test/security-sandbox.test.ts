import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "@harness/cli";
import { runCommand } from "@harness/workspace";
import { probeScript, probeSource, startReportListener } from "./support/sandbox-probe.js";
import { expectNothingFound, runProbeRun, stackSecrets } from "./support/sandbox-probe-check.js";

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

  it("a build's command and the evaluated product's server find no credential in /proc or the data folder and cannot connect to NATS", async () => {
    expect(stack.sandbox.mode).not.toBe("off");
    await runProbeRun(stack);
    const secrets = stackSecrets(stack, dataDir);
    expectNothingFound(listener.reports.get("generator"), "generator", markers, secrets, stack.sandbox.mode === "uid");
    expectNothingFound(listener.reports.get("evaluator"), "evaluator", markers, secrets, stack.sandbox.mode === "uid");
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
