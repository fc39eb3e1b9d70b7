import { startScriptedModel, type Rule, type Script, type ScriptedModel } from "@harness/scripted-model";
import { waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startStack, type Stack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

/** The tiny program, with every model reply held back a little so the run is still live while we watch. */
function slowed(script: Script, delayMs: number): Script {
  const rules = Array.isArray(script) ? script : script.rules;
  return rules.map((r): Rule => {
    const reply = r.reply;
    if (reply === undefined) return r;
    return { ...r, reply: typeof reply === "function" ? async (req, ctx) => ({ ...(await reply(req, ctx)), delayMs }) : { ...reply, delayMs } };
  });
}

interface Frame { id: number; event: string; data: { seq: number; message: { type: string; payload: { to?: string } } } }

/** Reads SSE frames until `stop` says so or the server ends the stream; aborting is how a client leaves. */
async function readFrames(url: string, headers: Record<string, string>, stop: (frames: Frame[]) => boolean): Promise<{ frames: Frame[]; ended: boolean; status: number }> {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: ctrl.signal });
  const frames: Frame[] = [];
  if (!res.body) return { frames, ended: true, status: res.status };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { frames, ended: true, status: res.status };
    buf += value;
    let cut: number;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) frames.push({ id: Number(id ?? 0), event, data: JSON.parse(data) });
      if (stop(frames)) { ctrl.abort(); await reader.cancel().catch(() => undefined); return { frames, ended: false, status: res.status }; }
    }
  }
}

describe("supervisor SSE - a live run's events", () => {
  let model: ScriptedModel;
  let stack: Stack;

  beforeAll(async () => {
    model = await startScriptedModel({ script: slowed(tinyProgramScript(), 120) });
    stack = await startStack({ modelUrl: model.url });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await model?.close();
  });

  it("streams a live run's events in order, resumes from Last-Event-ID after a disconnect, and ends after the run does", async () => {
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply" });
    const url = `${stack.apiUrl}/runs/${created.body.id}/events`;

    // Watch until the first build is handed over, then drop the connection mid-run.
    const first = await readFrames(url, {}, (f) => f.some((x) => x.event === "build.produced"));
    expect(first.status).toBe(200);
    expect(first.ended).toBe(false);
    const lastSeen = first.frames.at(-1)!.id;
    const before = await api<{ status: string }>(stack, "GET", `/runs/${created.body.id}`);
    expect(["running", "planning"]).toContain(before.body.status);

    // The client that left is forgotten by the server: no stream stays open for it.
    await waitFor(async () => /harness_sse_clients\{[^}]*\} 0/.test(await (await fetch(`${stack.apiUrl}/metrics`)).text()), { what: "the dropped stream to close" });

    const second = await readFrames(url, { "last-event-id": String(lastSeen) }, () => false);
    expect(second.ended).toBe(true);
    const end = second.frames.at(-1)!;
    expect(end.event).toBe("end");
    expect(end.data).toMatchObject({ status: "completed" });

    // Together, the two connections saw the history exactly once each, in stream order, up to the terminal transition.
    const seen = [...first.frames, ...second.frames.slice(0, -1)];
    const history = (await api<{ events: Array<{ seq: number; message: { type: string; payload: { to?: string } } }> }>(stack, "GET", `/runs/${created.body.id}/events`)).body.events;
    const terminal = history.findIndex((e) => e.message.type === "run.transition" && e.message.payload.to === "completed");
    expect(seen.map((f) => f.id)).toEqual(history.slice(0, terminal + 1).map((e) => e.seq));
    expect(seen.map((f) => f.event)).toEqual(history.slice(0, terminal + 1).map((e) => e.message.type));
    expect(second.frames[0]!.id).toBeGreaterThan(lastSeen);

    // Reconnecting to the finished run with nothing left tells EventSource to stop: 204.
    const after = await fetch(url, { headers: { accept: "text/event-stream", "last-event-id": String(history.at(-1)!.seq) } });
    expect(after.status).toBe(204);
  });
});
