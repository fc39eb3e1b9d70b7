import { chmod, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BuildRequested } from "@harness/contracts";
import { createModelClient } from "@harness/model";
import type { WorkContext } from "@harness/runtime";
import { startScriptedModel, type ScriptedModel } from "@harness/scripted-model";
import { gitCommit, gitInit, restore, snapshot } from "@harness/workspace";
import { createHandlers } from "./handlers.js";

const NAME = `sha256-${"a".repeat(64)}`;

function buildWork(base?: { name: string; size: number }) {
  const emitted: Array<{ type: string; payload: Record<string, unknown> }> = [];
  const msg = {
    id: "w1", schemaVersion: 1, type: "build.requested", runId: "r1", sprint: 2, attempt: 1, causationId: null,
    producer: { role: "supervisor", instance: "t" }, time: new Date().toISOString(),
    payload: {
      spec: { title: "Notes", overview: "a notes file", features: [], sprints: [] },
      contract: { sprint: 2, summary: "notes", deliverables: [], checks: [] },
      feedback: [],
      ...(base ? { base: { name: base.name, digest: base.name.slice(7), size: base.size } } : {}),
    },
  } as unknown as BuildRequested;
  const w = {
    msg, ctx: { working() {} } as unknown as WorkContext<BuildRequested>["ctx"],
    logger: { info() {}, warn() {}, debug() {} } as unknown as WorkContext<BuildRequested>["logger"],
    budget: { reserve() {} }, models: {}, recordUsage: async () => {},
    emit: async (_s: unknown, type: string, p: unknown) => { emitted.push({ type, payload: p as Record<string, unknown> }); },
  } as WorkContext<BuildRequested>;
  return { w, emitted };
}

describe("generator build", () => {
  let model: ScriptedModel;
  let workdir: string;
  const stored = new Map<string, Uint8Array>();
  const artifacts = {
    get: async (name: string) => stored.get(name) ?? null,
    put: async (bytes: Uint8Array) => { stored.set(NAME, bytes); return { name: NAME, digest: NAME.slice(7), size: bytes.length }; },
  };
  const generator = () => createHandlers({
    bus: { artifacts } as never, model: createModelClient({ baseURL: model.url, apiKey: "test", maxRetries: 0 }),
    workdir, maxTurns: 5, contextLimitTokens: 100_000, commandTimeoutMs: 10_000,
  });

  beforeAll(async () => { model = await startScriptedModel({ script: [] }); workdir = await mkdtemp(join(tmpdir(), "gen-handlers-")); await chmod(workdir, 0o711); });
  afterAll(async () => { await model.close(); await rm(workdir, { recursive: true, force: true }); });
  afterEach(() => { model.reset(); stored.clear(); });

  it("continues from the base artifact: the first tool call already sees the restored files", async () => {
    const src = await mkdtemp(join(tmpdir(), "gen-base-"));
    await gitInit(src);
    await writeFile(join(src, "notes.txt"), "from sprint one\n");
    await gitCommit(src, "sprint 1");
    const base = (await snapshot(src)).bytes;
    await rm(src, { recursive: true, force: true });
    const baseName = `sha256-${"b".repeat(64)}`;
    stored.set(baseName, base);
    model.setScript([{ match: { role: "generator" }, replies: [
      // The first reply is delayed so the call is still out while the workspace is restored.
      { toolUse: [{ name: "read_file", input: { path: "notes.txt" } }], delayMs: 50 },
      { toolUse: [{ name: "write_file", input: { path: "more.txt", content: "sprint two\n" } }] },
      { text: "done" },
    ] }]);
    const { w, emitted } = buildWork({ name: baseName, size: base.length });
    await generator().build(w);

    expect(model.requests).toHaveLength(3);
    expect(JSON.stringify(model.requests[1]!.body)).toContain("from sprint one");
    expect(emitted.map((e) => e.type)).toEqual(["build.produced"]);
    expect(emitted[0]!.payload["files"]).toEqual(["more.txt", "notes.txt"]);
    const out = await mkdtemp(join(tmpdir(), "gen-out-"));
    const restored = await restore(stored.get(NAME)!, out);
    expect(restored.files).toEqual(["more.txt", "notes.txt"]);
    await rm(out, { recursive: true, force: true });
    expect(await readdir(join(workdir, "r1"))).toEqual([]);
  });

  it("fails with the missing base artifact's name, runs no tool, and leaves no workspace behind", async () => {
    model.setScript([{ match: { role: "generator" }, reply: { toolUse: [{ name: "write_file", input: { path: "x.txt", content: "x" } }], delayMs: 2_000 } }]);
    const { w, emitted } = buildWork({ name: `sha256-${"c".repeat(64)}`, size: 10 });
    const started = Date.now();
    await expect(generator().build(w)).rejects.toThrow(`base artifact sha256-${"c".repeat(64)} is missing from the object store`);
    // The model call that was out is abandoned, not waited for.
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(emitted).toEqual([]);
    expect(model.requests.length).toBeLessThanOrEqual(1);
    expect(await readdir(join(workdir, "r1"))).toEqual([]);
  });
});
