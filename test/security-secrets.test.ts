import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY_KEY, runCase } from "./support/chaos-security.js";
import { generatorRequests, securityScript } from "./support/chaos-security-script.js";
import { startStack, type Stack } from "./support/stack.js";

describe("security - the API token and the model key stay secret", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "harness-secrets-"));
    chmodSync(base, 0o711); // the sandbox user passes through to the workspaces below
    mkdirSync(join(base, "outside"));
    model = await startScriptedModel({ script: securityScript(join(base, "outside")) });
    // Debug logging everywhere: the most a deployment could log must still hold no secret.
    stack = await startStack({ modelUrl: model.url, env: { LOG_LEVEL: "debug" } });
  });

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("the bearer token never reaches a log line, however a request carries it", async () => {
    const { token, apiUrl } = stack;
    const attempts: Array<{ path: string; headers: Record<string, string>; body: unknown; want: number }> = [
      { path: "/runs", headers: { authorization: `Bearer ${token}` }, body: { prompt: "" }, want: 400 },
      { path: "/runs", headers: { authorization: `Bearer ${token}-but-longer` }, body: { prompt: "x" }, want: 401 },
      { path: "/runs", headers: { authorization: `Basic ${token}` }, body: { prompt: "x" }, want: 401 },
      { path: "/runs", headers: { authorization: token }, body: { prompt: "x" }, want: 401 },
      { path: "/runs", headers: { "x-api-key": token, authorization: `Bearer wrong-${token}` }, body: { prompt: "x" }, want: 401 },
      { path: "/runs/nope/cancel", headers: { authorization: `Bearer ${token}` }, body: {}, want: 404 },
    ];
    for (const a of attempts) {
      const res = await fetch(`${apiUrl}${a.path}`, { method: "POST", headers: { ...a.headers, "content-type": "application/json" }, body: JSON.stringify(a.body) });
      expect(res.status, `${a.path} ${JSON.stringify(a.headers).replaceAll(token, "<token>")}`).toBe(a.want);
    }
    await new Promise((r) => setTimeout(r, 500));
    const logs = stack.logs();
    // The requests were logged (the test would prove nothing otherwise), the token was not.
    expect(logs).toMatch(/SUP_ERR_UNAUTHORIZED|incoming request|\/runs/);
    expect(logs.includes(token)).toBe(false);
  });

  it("ANTHROPIC_API_KEY is in no log, event, artifact or build command environment after a run that dumps its environment", async () => {
    const run = await runCase(stack, "secrets");
    expect(run.status, run.reason).toBe("completed");

    // The generator's `env > env.txt` is in the exported snapshot: the command ran, its environment holds no secret.
    expect(run.tar).toContain("env.txt");
    expect(run.tar).toMatch(/PATH=/);
    for (const secret of [CANARY_KEY, stack.token]) expect(run.tar.includes(secret), "artifact").toBe(false);
    expect(run.tar).not.toMatch(/^(ANTHROPIC_|NATS_|HARNESS_API_TOKEN)/m);

    // The evaluator's `env` is in the verdict's evidence: its check commands are scrubbed too.
    expect(run.eventsText).toMatch(/PATH=/);
    for (const secret of [CANARY_KEY, stack.token]) expect(run.eventsText.includes(secret), "events").toBe(false);

    // What the build command printed went back to the model; the key was not in it.
    const toolResults = generatorRequests(model.requests, "secrets").map((r) => JSON.stringify(r.body)).join("\n");
    expect(toolResults).toMatch(/PATH=/);
    expect(toolResults.includes(CANARY_KEY)).toBe(false);

    const logs = stack.logs();
    expect(logs).toContain("model call");
    for (const secret of [CANARY_KEY, stack.token]) expect(logs.includes(secret), "logs").toBe(false);
  });

  it("a build or check command cannot read the model key from its service's own environment through /proc", async () => {
    const run = await runCase(stack, "procenv");
    // The commands ran (the run completed: its check passed after the read). Sandboxed
    // (security-sandbox.test.ts) the read itself is refused; unsandboxed it shows an environment
    // the service has scrubbed...
    expect(run.status, run.reason).toBe("completed");
    // ...either way it must not hold the key: the generator's snapshot, the evaluator's evidence.
    expect.soft(run.tar.includes(CANARY_KEY), "generator command read the key from /proc/$PPID/environ into the artifact").toBe(false);
    expect.soft(run.eventsText.includes(CANARY_KEY), "evaluator check read the key from /proc/$PPID/environ into a verdict event").toBe(false);
  });

  it("a token a client misplaces in the query string is not logged either", async () => {
    // EventSource cannot send headers, so ?token= is the mistake a dashboard user makes first.
    const res = await fetch(`${stack.apiUrl}/runs/nope/events?access_token=${stack.token}`);
    expect(res.status).toBe(404);
    await new Promise((r) => setTimeout(r, 500));
    const lines = stack.logs().split("\n").filter((l) => l.includes("/runs/nope/events"));
    expect(lines.length, "the request was logged").toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes(stack.token)).map((l) => l.replaceAll(stack.token, "<TOKEN>"))).toEqual([]);
  });
});
