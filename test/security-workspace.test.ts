import { startScriptedModel, type RecordedRequest, type ScriptedModel } from "@harness/scripted-model";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCase } from "./support/chaos-security.js";
import { escapeAttempts, generatorRequests, securityScript } from "./support/chaos-security-script.js";
import { startStack, type Stack } from "./support/stack.js";

interface Block { type: string; id?: string; name?: string; input?: Record<string, unknown>; tool_use_id?: string; is_error?: boolean; content?: unknown }
interface Msg { role: string; content: string | Block[] }

/** Each tool call the model made, paired with the result it got back in the next request. */
function toolOutcomes(requests: readonly RecordedRequest[]): Array<{ name: string; input: Record<string, unknown>; isError: boolean; text: string }> {
  const out: Array<{ name: string; input: Record<string, unknown>; isError: boolean; text: string }> = [];
  for (const r of requests) {
    const messages = (r.body as { messages: Msg[] }).messages;
    const [assistant, user] = messages.slice(-2);
    if (!assistant || !user || typeof assistant.content === "string" || typeof user.content === "string") continue;
    for (const use of assistant.content.filter((b) => b.type === "tool_use")) {
      const result = user.content.find((b) => b.type === "tool_result" && b.tool_use_id === use.id);
      out.push({ name: use.name ?? "", input: use.input ?? {}, isError: result?.is_error === true, text: JSON.stringify(result?.content ?? "") });
    }
  }
  return out;
}

/** Every file under `dir`, recursively, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe("security - file tools stay inside the workspace", () => {
  let model: ScriptedModel;
  let stack: Stack;
  let base: string;
  let outside: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "harness-escape-"));
    chmodSync(base, 0o711); // the sandbox user passes through to the workspaces below
    outside = join(base, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "existing.txt"), "untouched\n");
    model = await startScriptedModel({ script: securityScript(outside) });
    // Work dirs under `base`, so anything written outside a workspace would land where we look.
    stack = await startStack({ modelUrl: model.url, env: { GENERATOR_WORKDIR: join(base, "gen"), EVALUATOR_WORKDIR: join(base, "eval") } });
  });

  afterAll(async () => {
    await stack?.stop();
    await model?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("a model that reaches outside with paths, absolute paths and symlinks gets a tool error each time, and nothing outside changes", async () => {
    const run = await runCase(stack, "escape");
    expect(run.status, run.reason).toBe("completed");

    const outcomes = toolOutcomes(generatorRequests(model.requests, "escape"));
    const attempted = escapeAttempts(outside).flat().filter((c) => c.name !== "run_command");
    const escapes = outcomes.filter((o) => attempted.some((a) => a.name === o.name && JSON.stringify(a.input) === JSON.stringify(o.input)));
    expect(escapes).toHaveLength(attempted.length);
    for (const e of escapes) {
      expect(e.isError, `${e.name} ${JSON.stringify(e.input)} -> ${e.text}`).toBe(true);
      expect(e.text, `${e.name} ${JSON.stringify(e.input)}`).toMatch(/refused/);
    }
    // The symlinks themselves were made (by a command, inside the workspace): the refusals above are the tools' own.
    expect(outcomes.find((o) => o.name === "run_command")?.text).toContain("linked");
    expect(outcomes.map((o) => o.text).join("\n")).not.toMatch(/root:x:0:0/);

    // Nothing was written or edited outside a workspace.
    expect(filesUnder(outside)).toEqual(["existing.txt"]);
    expect(readFileSync(join(outside, "existing.txt"), "utf8")).toBe("untouched\n");
    const strays = filesUnder(base).filter((f) => /escape\.txt|absolute\.txt|through-link\.txt/.test(f));
    expect(strays).toEqual([]);
  });
});
