import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { EvaluationRequested, ServiceHeartbeat, evaluateSubject, heartbeatSubject, type ArtifactRef, type Verdict } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { derivedId } from "@harness/runtime";
import { useNatsServer, waitFor } from "@harness/testkit";
import { snapshot } from "@harness/workspace";
import { defineEvaluator } from "./define.js";
import { runEvaluator, type RunningEvaluator } from "./run.js";

describe("evaluator-sdk runEvaluator - a custom evaluator over a real NATS", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let work: string;
  let withLicense: ArtifactRef;
  let withoutLicense: ArtifactRef;
  const calls: string[] = [];
  let failNext = 0;
  let slowMs = 0;

  const license = defineEvaluator({
    name: "license", description: "the artifact carries a LICENSE file", version: "1.2.3",
    criteria: [{ id: "license-file", description: "a LICENSE file names the license" }],
    async evaluate(req, ctx) {
      calls.push(req.id);
      if (failNext > 0) { failNext--; throw new Error("flaky dependency"); }
      if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
      const text = await ctx.readFile("LICENSE");
      const r = await ctx.run("ls");
      return [{ id: "license-file", passed: text?.includes("MIT License") ?? false, evidence: [text ? `LICENSE starts: ${text.slice(0, 40)}` : `no LICENSE among: ${r.stdout.trim().split("\n").join(", ")}`] }];
    },
  });

  const artifactOf = async (files: Record<string, string>): Promise<ArtifactRef> => {
    const dir = await mkdtemp(join(work, "src-"));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return bus.artifacts.put((await snapshot(dir)).bytes);
  };

  const requestEvaluation = async (id: string, artifact: ArtifactRef) => {
    const msg = EvaluationRequested.parse({
      id, schemaVersion: 1, type: "evaluation.requested", runId: `run-${id}`, sprint: 1, attempt: 1, causationId: null,
      producer: { role: "supervisor", instance: "test" }, time: new Date().toISOString(),
      payload: { specExcerpt: { title: "t", overview: "o", features: [] }, contract: { sprint: 1, summary: "s", deliverables: [{ id: "D1", description: "d" }], checks: [{ id: "c", kind: "command", description: "c", command: "true" }] }, artifact },
    });
    await bus.publish(EvaluationRequested, msg, { subject: evaluateSubject("license") });
    return msg;
  };

  const verdictsOf = async (runId: string) => (await bus.readRunEvents(runId)).map((e) => e.message as { id: string; type: string; payload: { verdict: Verdict } }).filter((m) => m.type === "verdict.produced");

  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "sdk-test" });
    await bus.provision({ ackWaitMs: 2_000 });
    work = await mkdtemp(join(tmpdir(), "sdk-test-"));
    await chmod(work, 0o711); // the sandbox user passes through to the workspaces below
    withLicense = await artifactOf({ "LICENSE": "MIT License\n\nCopyright (c) 2025", "index.js": "module.exports = 1;\n" });
    withoutLicense = await artifactOf({ "index.js": "module.exports = 1;\n" });
  });

  afterAll(async () => {
    await bus?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const start = (): Promise<RunningEvaluator> => runEvaluator(license, { natsUrl: nats.url, user: nats.as().user ?? "", pass: nats.as().pass ?? "", handleSignals: false, heartbeatIntervalMs: 200, workdir: join(work, "eval"), instance: "t1", logger: createLogger("sdk-test", { level: "silent" }) });

  it("announces itself, consumes its own subject and publishes a code-computed verdict with an id derived from the work", async () => {
    const beats: ServiceHeartbeat[] = [];
    const sub = bus.nc.subscribe(heartbeatSubject("evaluator", "license"), { callback: (_e, m) => { beats.push(ServiceHeartbeat.parse(m.json())); } });
    const ev = await start();
    try {
      const ok = await requestEvaluation("ok1", withLicense);
      const bad = await requestEvaluation("bad1", withoutLicense);
      const [good] = await waitFor(async () => { const v = await verdictsOf(ok.runId); return v.length > 0 && v; });
      const [missing] = await waitFor(async () => { const v = await verdictsOf(bad.runId); return v.length > 0 && v; });
      expect(good!.payload.verdict).toMatchObject({ evaluator: "license", passed: true });
      expect(good!.id).toBe(derivedId(ok.id, "verdict.produced", "license"));
      expect(missing!.payload.verdict.passed).toBe(false);
      expect(missing!.payload.verdict.criteria[0]!.feedback).toBe("no LICENSE among: index.js");
      await waitFor(() => beats.length >= 2);
      expect(beats[0]).toMatchObject({ role: "evaluator", name: "license", instance: "t1", version: "1.2.3", capacity: 1 });
    } finally {
      sub.unsubscribe();
      await ev.stop();
    }
  });

  it("retries an evaluation that threw and still publishes exactly one verdict", async () => {
    failNext = 1;
    const ev = await start();
    try {
      const msg = await requestEvaluation("flaky1", withLicense);
      const verdicts = await waitFor(async () => { const v = await verdictsOf(msg.runId); return v.length > 0 && v; }, { timeoutMs: 15_000 });
      expect(calls.filter((c) => c === msg.id)).toHaveLength(2);
      expect(verdicts).toHaveLength(1);
      expect(verdicts[0]!.payload.verdict.passed).toBe(true);
    } finally {
      await ev.stop();
    }
  });

  it("drains on stop: an evaluation in flight finishes and its verdict is published before disconnecting", async () => {
    slowMs = 800;
    const ev = await start();
    try {
      const msg = await requestEvaluation("drain1", withLicense);
      await waitFor(() => calls.includes(msg.id));
      await ev.stop();
      expect(await verdictsOf(msg.runId)).toHaveLength(1);
    } finally {
      slowMs = 0;
      await ev.stop();
    }
  });
});
