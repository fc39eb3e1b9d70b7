import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startLocalStack, type LocalStack } from "@harness/cli";
import { waitFor } from "@harness/testkit";
import { probeScript, startReportListener } from "./support/sandbox-probe.js";
import { expectNothingFound, runProbeRun, stackSecrets } from "./support/sandbox-probe-check.js";

// The runner container's uid and the pod's fsGroup, as infra/k8s gives them (any uid other than the service's).
const RUNNER_UID = 1_500_000_001;
const POD_GROUP = 1_500_000_000;

/**
 * The Kubernetes sidecar layout as far as one machine shows it: the generator and evaluator run
 * with HARNESS_SANDBOX=runner and send every command to a runner started the way the runner
 * container starts it (`main.ts runner`), as another uid, in a separate process, sharing only
 * the workspace folder (setgid to the "pod" group, as fsGroup makes an emptyDir). The
 * credentials stay in the data folder, 0600 to the service's uid. What only a cluster shows (no
 * shared PID namespace between containers, the Secret volume mounted in the service container
 * alone, the restricted Pod Security Standard admitting the pod) is in SECURITY.md.
 */
describe("security - the runner sidecar layout keeps credentials out of reach", () => {
  let base: string;
  let stack: LocalStack;
  let runner: ChildProcess;
  let listener: Awaited<ReturnType<typeof startReportListener>>;
  let markers: string;
  let dataDir: string;
  let natsPort = 0;
  let runnerOutput = "";

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "harness-runner-"));
    chmodSync(base, 0o711);
    dataDir = join(base, "data");
    markers = join(base, "markers");
    mkdirSync(markers);
    chmodSync(markers, 0o1777);
    const work = join(base, "work");
    mkdirSync(work);
    chownSync(work, process.getuid?.() ?? 0, POD_GROUP);
    chmodSync(work, 0o2770);
    const sockDir = join(base, "runner");
    mkdirSync(sockDir);
    chownSync(sockDir, RUNNER_UID, POD_GROUP);
    const socket = join(sockDir, "runner.sock");
    runner = spawn(process.execPath, ["--import", "tsx", "services/generator/src/main.ts", "runner"], {
      cwd: REPO_ROOT, uid: RUNNER_UID, gid: POD_GROUP, stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: sockDir, HARNESS_RUNNER_SOCKET: socket, HARNESS_RUNNER_ROOT: work },
    });
    runner.stdout?.on("data", (c: Buffer) => { runnerOutput += c.toString(); });
    runner.stderr?.on("data", (c: Buffer) => { runnerOutput += c.toString(); });
    await waitFor(() => runnerOutput.includes("runner ready"), { timeoutMs: 30_000, what: "the runner to listen" });
    listener = await startReportListener();
    const target = () => ({ credentialDirs: [dataDir], natsPort, markerDir: markers, listenerPort: listener.port });
    stack = await startLocalStack({
      dataDir, port: 0, script: probeScript(target),
      env: { LOG_LEVEL: "warn", HARNESS_SANDBOX: "runner", HARNESS_RUNNER_SOCKET: socket, GENERATOR_WORKDIR: join(work, "generator"), EVALUATOR_WORKDIR: join(work, "evaluator") },
    });
    natsPort = Number(new URL(stack.natsUrl).port);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    runner?.kill("SIGTERM");
    await listener?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("a build's command and the evaluated product's server, run by the runner as its own uid, find no credential and cannot connect to NATS", async () => {
    await runProbeRun(stack);
    const secrets = stackSecrets(stack, dataDir);
    expectNothingFound(listener.reports.get("generator"), "generator", markers, secrets, true);
    expectNothingFound(listener.reports.get("evaluator"), "evaluator", markers, secrets, true);
    expect(listener.reports.get("generator")?.uid).toBe(RUNNER_UID);
    expect(listener.reports.get("evaluator")?.uid).toBe(RUNNER_UID);
  }, 90_000);
});
