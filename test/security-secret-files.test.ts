import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyProgramScript } from "./support/tiny-program.js";
import { api, startStack, type Stack } from "./support/stack.js";

// Secrets mounted as files, as Kubernetes and compose secrets are: the services read the model
// key from ANTHROPIC_API_KEY_FILE and the supervisor its API token from HARNESS_API_TOKEN_FILE,
// and neither value is in any service's environment or log.
const KEY = "sk-ant-from-a-file-0123456789abcdef";
const TOKEN = "test-token-0123456789";

/** Passes requests on to the scripted model, noting the key each carried (the model's records keep keys only as present). */
function keyWitness(target: string, keys: string[]): Promise<{ url: string; server: Server }> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    // This SDK version sends the key as a bearer token; older ones as x-api-key.
    keys.push(String(req.headers["x-api-key"] ?? req.headers.authorization?.replace(/^Bearer /, "") ?? ""));
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(out);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })));
}

describe("secrets given as files", () => {
  let model: ScriptedModel;
  let witness: Server;
  const keys: string[] = [];
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "harness-secret-files-"));
    writeFileSync(join(dir, "model-key"), `${KEY}\n`, { mode: 0o600 });
    writeFileSync(join(dir, "api-token"), `${TOKEN}\n`, { mode: 0o600 });
    model = await startScriptedModel({ script: tinyProgramScript() });
    const proxy = await keyWitness(model.url, keys);
    witness = proxy.server;
    // The stack's own values are blanked: only the files hold the secrets.
    stack = await startStack({
      modelUrl: proxy.url, roles: ["planner"],
      env: { ANTHROPIC_API_KEY: "", HARNESS_API_TOKEN: "", ANTHROPIC_API_KEY_FILE: join(dir, "model-key"), HARNESS_API_TOKEN_FILE: join(dir, "api-token") },
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    witness?.close();
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("authenticate the API and the model calls, and appear in no service's environment or log", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    expect(created.status).toBe(201);
    await waitFor(() => model.requests.some((r) => r.headers["x-harness-role"] === "planner"), { timeoutMs: 30_000, what: "the planner's model call" });
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys)).toEqual(new Set([KEY]));
    const wrong = await fetch(`${stack.apiUrl}/runs`, { method: "POST", headers: { authorization: "Bearer not-the-file-token", "content-type": "application/json" }, body: "{}" });
    expect(wrong.status).toBe(401);
    for (const sp of stack.services) {
      const environ = readFileSync(`/proc/${sp.proc.pid}/environ`, "utf8");
      expect([sp.name, environ.includes(KEY), environ.includes(TOKEN)]).toEqual([sp.name, false, false]);
    }
    expect(stack.logs().includes(KEY)).toBe(false);
    expect(stack.logs().includes(TOKEN)).toBe(false);
  }, 60_000);
});
