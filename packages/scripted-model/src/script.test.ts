import Anthropic from "@anthropic-ai/sdk";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidScriptError, loadScript, parseScript, ScriptLoadError, startScriptedModel } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "scripted-model-"));
const MODEL = "claude-sonnet-5";

const YAML_SCRIPT = `
rules:
  - name: plan
    match: { role: planner, turn: 0 }
    reply:
      toolUse:
        - name: write_spec
          input: { title: "Sprite editor", features: ["draw", "undo"] }
  - name: flaky-then-ok
    match: { role: generator }
    replies:
      - { fault: overloaded, times: 1 }
      - text: "Echo: {{lastUserText}}"
`;

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("scripted-model scripts", () => {
  const yamlPath = join(dir, "script.yaml");
  writeFileSync(yamlPath, YAML_SCRIPT);

  it("scripted-model - loads a YAML script file and serves it", async () => {
    const server = await startScriptedModel({ script: yamlPath });
    try {
      const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 1 });
      const plan = await client.messages.create(
        { model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "a sprite editor" }] },
        { headers: { "x-harness-role": "planner" } },
      );
      expect(plan.content[0]).toMatchObject({ type: "tool_use", name: "write_spec", input: { features: ["draw", "undo"] } });
      const gen = await client.messages.create(
        { model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "build sprint 1" }] },
        { headers: { "x-harness-role": "generator" } },
      );
      expect(gen.content[0]).toMatchObject({ text: "Echo: build sprint 1" });
    } finally {
      await server.close();
    }
  });

  it("scripted-model - loads JSON files and JSON or YAML text alike", () => {
    const jsonPath = join(dir, "script.json");
    writeFileSync(jsonPath, JSON.stringify([{ reply: { text: "hi" } }]));
    expect(loadScript(jsonPath)).toEqual([{ reply: { text: "hi" } }]);
    expect(loadScript('[{"reply":{"text":"hi"}}]')).toEqual([{ reply: { text: "hi" } }]);
    expect(loadScript("- reply:\n    text: hi\n")).toEqual([{ reply: { text: "hi" } }]);
  });

  it("scripted-model - rejects an invalid script naming the bad field", () => {
    const typo = errorOf(() => parseScript({ rules: [{ reply: { text: "ok" } }, { match: { role: "planner" }, reply: { txt: "hi" } }] }));
    expect(typo).toBeInstanceOf(InvalidScriptError);
    expect((typo as InvalidScriptError).code).toBe("SCRIPTED_ERR_INVALID_SCRIPT");
    expect((typo as Error).message).toContain("rules[1].reply");
    expect((typo as Error).message).toContain("txt");

    const badFault = errorOf(() => parseScript([{ replies: [{ text: "a" }, { fault: "explode" }] }]));
    expect((badFault as Error).message).toContain("rules[0].replies[1].fault");

    const badType = errorOf(() => parseScript([{ match: { turn: "first" }, reply: { text: "a" } }]));
    expect((badType as Error).message).toContain("rules[0].match.turn");

    const noReply = errorOf(() => parseScript([{ match: { role: "planner" } }]));
    expect((noReply as Error).message).toMatch(/rules\[0\]\.reply: a rule needs exactly one of `reply` or `replies`/);
  });

  it("scripted-model - names the file when a script file is invalid or missing", () => {
    const badPath = join(dir, "bad.yaml");
    writeFileSync(badPath, "rules:\n  - reply: { toolUse: [{ input: {} }] }\n");
    const invalid = errorOf(() => loadScript(badPath));
    expect((invalid as Error).message).toContain(badPath);
    expect((invalid as Error).message).toContain("rules[0].reply.toolUse[0].name");

    const missing = errorOf(() => loadScript(join(dir, "nope.yaml")));
    expect(missing).toBeInstanceOf(ScriptLoadError);
    expect((missing as ScriptLoadError).code).toBe("SCRIPTED_ERR_LOAD");
  });

  it("scripted-model - every YAML example in the README is a valid script", () => {
    const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) expect(() => loadScript(block)).not.toThrow();
  });

  it("scripted-model - CLI prints its URL and serves the script as a separate process", async () => {
    const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
    const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
    const child = spawn(tsx, [cli, "--script", yamlPath, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        child.once("exit", (code) => reject(new Error(`cli exited ${code}`)));
      });
      const client = new Anthropic({ apiKey: "test", baseURL: url, maxRetries: 0 });
      const plan = await client.messages.create(
        { model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "x" }] },
        { headers: { "x-harness-role": "planner" } },
      );
      expect(plan.stop_reason).toBe("tool_use");
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
