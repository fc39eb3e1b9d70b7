import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import { EvaluationRequested, SprintContract } from "@harness/contracts";
import { createModelClient } from "@harness/model";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { useNatsServer, waitFor } from "@harness/testkit";
import { snapshot } from "@harness/workspace";
import { EvaluationInterruptedError } from "./errors.js";
import { evaluate } from "./evaluate.js";

/**
 * A page whose check takes a while (it waits 6 s before its assertion), served by an app that
 * notes each visit in a file outside the product (`VISITS`), so a test knows the check is under
 * way. `/die` ends the server process; the page calls it when told to (`?die`).
 */
const SERVER = `
const http = require("node:http");
const fs = require("node:fs");
http.createServer((req, res) => {
  if (req.url === "/health") { res.writeHead(200); return res.end("ok"); }
  if (req.url === "/die") { res.writeHead(200); res.end("bye"); return process.exit(3); }
  if (req.url.startsWith("/page")) fs.appendFileSync(process.env.VISITS, req.url + "\\n");
  const then = req.url.includes("die") ? 'fetch("/die")' : "";
  res.writeHead(200, { "content-type": "text/html" });
  res.end('<!doctype html><h1 id="title">Notes</h1><script>setTimeout(() => { ' + then + ' }, 1500)</script>');
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

function contract(page: string, visits: string): SprintContract {
  return SprintContract.parse({
    sprint: 1, summary: "a slow page", app: { startCommand: `VISITS=${visits} node server.cjs`, port: 3000, readinessPath: "/health" },
    deliverables: [{ id: "D1", description: "the notes page", featureIds: ["F1"] }],
    checks: [{ id: "page", kind: "browser", description: "the page shows its title after a while", deliverableIds: ["D1"], steps: [
      { action: "goto", path: page }, { action: "wait", ms: 6_000 }, { action: "goto", path: page }, { action: "expectText", selector: "#title", text: "Notes" },
    ] }],
  });
}

describe("an evaluation cut short by the evaluator is no verdict; a product that fails mid-check is", () => {
  const nats = useNatsServer();
  let bus: Bus;
  let model: ScriptedModel;
  let root: string;
  beforeAll(async () => {
    bus = await connectBus({ ...nats.as(), name: "evaluator-interrupt-test" });
    await bus.provision();
    model = await startScriptedModel({ script: [] });
    root = await mkdtemp(join(tmpdir(), "evaluator-interrupt-"));
    await chmod(root, 0o711); // the sandbox user passes through to the workspaces below
    // The product runs as its workspace's sandbox user: the folder it notes visits in must be open to it.
    await mkdir(join(root, "visits"));
    await chmod(join(root, "visits"), 0o1777);
  });
  afterAll(async () => {
    await bus?.close();
    await model?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function start(name: string, page: string, signal?: AbortSignal) {
    const src = join(root, name);
    const visits = join(root, "visits", `${name}.visits`);
    await mkdir(src, { recursive: true });
    await writeFile(join(src, "server.cjs"), SERVER);
    const artifact = await bus.artifacts.put((await snapshot(src)).bytes);
    const c = contract(page, visits);
    const msg = EvaluationRequested.parse({
      id: `${name}-eval`, schemaVersion: 1, type: "evaluation.requested", runId: name, sprint: 1, attempt: 1, causationId: null,
      producer: { role: "supervisor", instance: "test" }, time: new Date().toISOString(),
      payload: { specExcerpt: { title: "Notes", overview: "notes", features: [] }, contract: c, artifact },
    });
    const deps = { bus, model: createModelClient({ baseURL: model.url, apiKey: "test" }), name: "core", workdir: join(root, "work"), chromium: "/usr/bin/chromium", judgeSystem: "unused" };
    const evaluation = evaluate(deps, msg, { ...(signal ? { signal } : {}) }).then((v) => ({ verdict: v }), (err: unknown) => ({ err }));
    const mid = () => waitFor(() => existsSync(visits), { timeoutMs: 60_000, what: "the browser check to start" });
    return { evaluation, mid, visits };
  }

  it("stopping the evaluator mid-browser-check throws an interruption at once, with no verdict", async () => {
    const stop = new AbortController();
    const { evaluation, mid } = await start("stopped", "/page", stop.signal);
    await mid();
    const at = Date.now();
    stop.abort(new Error("evaluator is stopping"));
    const outcome = await evaluation;
    expect("err" in outcome && outcome.err).toBeInstanceOf(EvaluationInterruptedError);
    expect(Date.now() - at).toBeLessThan(4_000);
  }, 90_000);

  it("a browser killed mid-check is an interruption, not a failed criterion", async () => {
    const { evaluation, mid } = await start("crashed", "/page");
    await mid();
    // The browser this process launched: Chromium's main process is our child.
    const pids = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" })
      .split("\n").filter((l) => /chrom/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, "SIGKILL");
    const outcome = await evaluation;
    expect("err" in outcome && outcome.err).toBeInstanceOf(EvaluationInterruptedError);
    expect(String("err" in outcome && (outcome.err as Error).message)).toContain("the browser closed during a check");
  }, 90_000);

  it("a product whose server dies mid-check fails the criterion", async () => {
    const { evaluation, mid } = await start("dies", "/page?die");
    await mid();
    const outcome = await evaluation;
    expect("verdict" in outcome, String("err" in outcome && outcome.err)).toBe(true);
    const verdict = "verdict" in outcome ? outcome.verdict : undefined;
    expect(verdict?.passed).toBe(false);
    expect(verdict?.criteria.find((c) => c.checkId === "page")?.passed).toBe(false);
  }, 90_000);
});
