import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { PermanentError } from "@harness/bus";
import { CONSUMERS, evaluateSubject, evaluatorConsumer, RunOptions, type RunState, type ServiceHeartbeat } from "@harness/contracts";
import { useNatsServer, waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { initialState } from "../services/supervisor/src/reducer.js";
import { startTestSupervisor, TEST_TOKEN, type TestSupervisor } from "../services/supervisor/src/test-fixtures.js";

const nats = useNatsServer();
let sup: TestSupervisor;
const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

const apiLog: string[] = [];

// Warnings the process emits while the API is built (a deprecated Fastify option prints one at every start).
const warnings: Error[] = [];
const onWarning = (w: Error) => { warnings.push(w); };

beforeAll(async () => {
  process.on("warning", onWarning);
  sup = await startTestSupervisor(nats.as(), { bodyLimit: 16 * 1024, apiLog });
  // Emitted warnings reach listeners on a later tick.
  await new Promise((r) => setTimeout(r, 50));
});
afterAll(async () => { process.off("warning", onWarning); await sup?.close(); });

const inject = (method: "GET" | "POST", url: string, opts: { body?: unknown; headers?: Record<string, string>; auth?: boolean } = {}) =>
  sup.app.inject({ method, url, headers: { ...(opts.auth === false ? {} : AUTH), ...opts.headers }, ...(opts.body !== undefined ? { payload: opts.body as object } : {}) });

async function createRun(prompt = "a tally counter", options: Record<string, unknown> = {}): Promise<string> {
  const res = await inject("POST", "/runs", { body: { prompt, options } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

const statusOf = async (id: string) => (await inject("GET", `/runs/${id}`)).json<{ status: string }>().status;
const waitStatus = (id: string, status: string) => waitFor(async () => (await statusOf(id)) === status, { what: `run ${id} to be ${status}` });

describe("supervisor API - runs", () => {
  it("POST /runs creates a run, points at it, and the fold moves it to planning", async () => {
    const res = await inject("POST", "/runs", { body: { prompt: "a pixel-art sprite editor", options: { maxSprints: 2 } } });
    expect(res.statusCode).toBe(201);
    const { id } = res.json<{ id: string }>();
    expect(res.headers["location"]).toBe(`/runs/${id}`);
    await waitStatus(id, "planning");
    const run = (await inject("GET", `/runs/${id}`)).json<Record<string, unknown>>();
    expect(run).toMatchObject({ id, prompt: "a pixel-art sprite editor", waitingFor: "spec", options: { maxSprints: 2, maxAttemptsPerSprint: 3 }, heldWork: 0 });
    // Fold bookkeeping stays inside the supervisor.
    expect(Object.keys(run)).not.toContain("applied");
    expect(Object.keys(run)).not.toContain("pending");
  });

  it("POST /runs with the same Idempotency-Key twice yields one run", async () => {
    const headers = { "idempotency-key": "create-once-42" };
    const first = await inject("POST", "/runs", { body: { prompt: "once" }, headers });
    const second = await inject("POST", "/runs", { body: { prompt: "once" }, headers });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ id: first.json<{ id: string }>().id, existing: true });
  });

  it("POST /runs answers 401 without a token or with a wrong one, before looking at the body", async () => {
    const none = await inject("POST", "/runs", { body: { prompt: "" }, auth: false });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: "SUP_ERR_UNAUTHORIZED", statusCode: 401 });
    const wrong = await inject("POST", "/runs", { body: { prompt: "x" }, auth: false, headers: { authorization: `Bearer ${TEST_TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    const scheme = await inject("POST", "/runs", { body: { prompt: "x" }, auth: false, headers: { authorization: TEST_TOKEN } });
    expect(scheme.statusCode).toBe(401);
  });

  it("POST /runs answers 400 naming the bad field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ prompt: "" }, /invalid body: prompt: prompt must not be empty/],
      [{ prompt: "x", options: { budget: { maxCostUsd: -1 } } }, /invalid body: options\.budget\.maxCostUsd: /],
      [{ prompt: "x", options: { evaluators: ["Not A Name"] } }, /options\.evaluators\.0: evaluator names/],
      [{ prompt: "x", colour: "red" }, /invalid body: .*colour/],
      // Unknown keys inside options are refused as at the top level: a misspelt option is not a default.
      [{ prompt: "x", options: { maxSprint: 1 } }, /invalid body: options: Unrecognized key: "maxSprint"/],
      [{ prompt: "x", options: { budget: { maxCost: 1 } } }, /invalid body: options\.budget: Unrecognized key: "maxCost"/],
      [{ prompt: "x", options: { gates: { approveSpecs: true } } }, /invalid body: options\.gates: Unrecognized key: "approveSpecs"/],
      [{ prompt: "x", options: { models: { generator: { modle: "m" } } } }, /invalid body: options\.models\.generator: Unrecognized key: "modle"/],
      [{}, /invalid body: prompt: /],
    ];
    for (const [body, message] of cases) {
      const res = await inject("POST", "/runs", { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ error: "SUP_ERR_INVALID_REQUEST", statusCode: 400 });
      expect(res.json<{ message: string }>().message).toMatch(message);
    }
    const badJson = await sup.app.inject({ method: "POST", url: "/runs", headers: { ...AUTH, "content-type": "application/json" }, payload: "{\"prompt\": " });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ error: "SUP_ERR_INVALID_REQUEST" });
    const text = await sup.app.inject({ method: "POST", url: "/runs", headers: { ...AUTH, "content-type": "text/plain" }, payload: "hello" });
    expect(text.statusCode).toBe(415);
  });

  it("POST /runs refuses an evaluator nobody serves, naming it, and accepts one that is provisioned but scaled to zero", async () => {
    const typo = await inject("POST", "/runs", { body: { prompt: "x", options: { evaluators: ["core", "acessibility"] } } });
    expect(typo.statusCode).toBe(400);
    expect(typo.json()).toMatchObject({ error: "SUP_ERR_INVALID_REQUEST" });
    expect(typo.json<{ message: string }>().message).toMatch(/options\.evaluators: no evaluator named 'acessibility' is configured, running or provisioned \(known: core\)/);
    // No replica runs, but its durable consumer exists (KEDA scaled it to zero): work waits there for it.
    await sup.bus.ensureEvaluatorConsumer("accessibility");
    await createRun("x", { evaluators: ["core", "accessibility"] });
  });

  it("POST /runs refuses keys that could reach a prototype, naming them along with any other bad field", async () => {
    const post = (payload: string) => sup.app.inject({ method: "POST", url: "/runs", headers: { ...AUTH, "content-type": "application/json" }, payload });
    const alone = await post('{"prompt":"x","options":{"__proto__":{"polluted":true}}}');
    expect(alone.statusCode).toBe(400);
    expect(alone.json<{ message: string }>().message).toBe("invalid body: __proto__: key not allowed");
    const withOthers = await post('{"prompt":"","constructor":{"prototype":{}}}');
    expect(withOthers.json<{ message: string }>().message).toMatch(/^invalid body: prompt: .*; constructor: key not allowed$/);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("request logs keep a token misplaced in the query string out, and the harmless parameters in", async () => {
    await inject("GET", `/runs/nope/events?access_token=${TEST_TOKEN}&after=3`, { auth: false });
    const lines = apiLog.filter((l) => l.includes("/runs/nope/events"));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(TEST_TOKEN);
    expect(lines.join("\n")).toContain("/runs/nope/events?access_token=[REDACTED]&after=3");
  });

  it("POST /runs refuses an oversized body with 413", async () => {
    const res = await inject("POST", "/runs", { body: { prompt: "x".repeat(20_000) } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: "SUP_ERR_PAYLOAD_TOO_LARGE", statusCode: 413 });
  });

  it("GET /runs filters by status and pages newest first", async () => {
    const ids = [await createRun("list one"), await createRun("list two"), await createRun("list three")];
    for (const id of ids) await waitStatus(id, "planning");
    const paused = ids[1]!;
    expect((await inject("POST", `/runs/${paused}/pause`)).statusCode).toBe(202);
    await waitStatus(paused, "paused");

    const onlyPaused = (await inject("GET", "/runs?status=paused")).json<{ total: number; runs: Array<{ id: string; status: string }> }>();
    expect(onlyPaused.runs.map((r) => r.id)).toContain(paused);
    expect(onlyPaused.runs.every((r) => r.status === "paused")).toBe(true);

    const all = (await inject("GET", "/runs?limit=200")).json<{ total: number; runs: Array<{ id: string; createdAt: string }> }>();
    const page1 = (await inject("GET", "/runs?limit=2&offset=0")).json<{ total: number; limit: number; offset: number; runs: Array<{ id: string }> }>();
    const page2 = (await inject("GET", "/runs?limit=2&offset=2")).json<{ runs: Array<{ id: string }> }>();
    expect(page1).toMatchObject({ total: all.total, limit: 2, offset: 0 });
    expect([...page1.runs, ...page2.runs].map((r) => r.id)).toEqual(all.runs.slice(0, 4).map((r) => r.id));
    const created = all.runs.map((r) => r.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it("GET /runs answers 400 naming the bad query parameter", async () => {
    const status = await inject("GET", "/runs?status=sleeping");
    expect(status.statusCode).toBe(400);
    expect(status.json<{ message: string }>().message).toMatch(/^invalid query: status: /);
    const limit = await inject("GET", "/runs?limit=0");
    expect(limit.json<{ message: string }>().message).toMatch(/^invalid query: limit: /);
  });

  it("GET /runs/:id answers 404 for an unknown run and 400 for a malformed id", async () => {
    const missing = await inject("GET", "/runs/nope");
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: "SUP_ERR_RUN_NOT_FOUND", message: "run nope not found" });
    const bad = await inject("GET", "/runs/bad%20id!");
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/^invalid path: id: /);
  });

  it("builds the API without a Fastify deprecation warning", () => {
    expect(warnings.filter((w) => w.name === "FastifyWarning" || w.name === "DeprecationWarning").map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });

  it("a malformed or over-long path is answered in the API's error format, not the router's", async () => {
    const long = await inject("GET", `/runs/${"a".repeat(5_000)}`);
    expect(long.statusCode).toBe(400);
    expect(long.json()).toEqual({ error: "SUP_ERR_INVALID_REQUEST", statusCode: 400, message: "invalid path: a path parameter is longer than 100 characters (run ids are at most 64 characters)" });
    for (const url of ["/runs/%zz", "/runs/a%", `/runs/${"b".repeat(5_000)}/pause`]) {
      const res = await inject(url.endsWith("pause") ? "POST" : "GET", url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toMatchObject({ error: "SUP_ERR_INVALID_REQUEST", statusCode: 400, message: expect.stringMatching(/^invalid path: /) });
    }
    // An unknown route names the path, cut short.
    const none = await inject("GET", `/nowhere/${"c".repeat(5_000)}`);
    expect(none.statusCode).toBe(404);
    expect(none.json<{ message: string }>().message.length).toBeLessThan(300);
  });
});

describe("supervisor API - controls", () => {
  it("pause, resume and cancel are folded into the run; a finished run refuses with 409", async () => {
    const id = await createRun("controls");
    await waitStatus(id, "planning");
    expect((await inject("POST", `/runs/${id}/pause`, { body: { comment: "lunch" } })).json()).toEqual({ id, action: "pause", accepted: true });
    await waitStatus(id, "paused");
    expect((await inject("GET", `/runs/${id}`)).json()).toMatchObject({ reason: "lunch", pausedFrom: "spec" });
    expect((await inject("POST", `/runs/${id}/resume`)).statusCode).toBe(202);
    await waitStatus(id, "planning");
    expect((await inject("POST", `/runs/${id}/cancel`, { body: {} })).statusCode).toBe(202);
    await waitStatus(id, "cancelled");
    const late = await inject("POST", `/runs/${id}/resume`);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: "SUP_ERR_CONFLICT" });
  });

  it("gate actions need a token, and answer 409 naming the wait while the run is at no gate", async () => {
    const id = await createRun("gated", { gates: { approveSpec: true, approveContracts: true } });
    for (const action of ["pause", "resume", "cancel", "approve", "spec/revise", "contract/revise"]) {
      const res = await inject("POST", `/runs/${id}/${action}`, { auth: false, body: { comments: "x" } });
      expect(res.statusCode, action).toBe(401);
    }
    await waitStatus(id, "planning");
    const early = await inject("POST", `/runs/${id}/approve`);
    expect(early.statusCode).toBe(409);
    expect(early.json<{ message: string }>().message).toMatch(/waits at no approval gate \(it waits for spec\)/);
    const contract = await inject("POST", `/runs/${id}/contract/revise`, { body: { comments: "more checks" } });
    expect(contract.statusCode).toBe(409);
    expect(contract.json<{ message: string }>().message).toMatch(/not waiting for contract approval/);
    // One change request holds 4,000 characters: a longer one is refused by name, not cut.
    const long = await inject("POST", `/runs/${id}/contract/revise`, { body: { comments: "x".repeat(4_001) } });
    expect(long.statusCode).toBe(400);
    expect(long.json<{ message: string }>().message).toMatch(/^invalid body: comments: /);
  });

  it("controls answer 404 for an unknown run and 400 naming an unknown body field", async () => {
    expect((await inject("POST", "/runs/ghost/pause")).statusCode).toBe(404);
    const id = await createRun("bad control");
    const res = await inject("POST", `/runs/${id}/pause`, { body: { comment: "x", force: true } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/^invalid body: .*force/);
    const long = await inject("POST", `/runs/${id}/pause`, { body: { comment: "x".repeat(10_001) } });
    expect(long.json<{ message: string }>().message).toMatch(/^invalid body: comment: /);
    const nested = await inject("POST", `/runs/${id}/resume`, { body: { budget: { maxCostUsd: 5, maxCostUSD: 9 } } });
    expect(nested.statusCode).toBe(400);
    expect(nested.json<{ message: string }>().message).toMatch(/^invalid body: budget: Unrecognized key: "maxCostUSD"/);
  });
});

describe("supervisor API - events", () => {
  it("GET /runs/:id/events returns the run's events in stream order, after a given sequence", async () => {
    const id = await createRun("events");
    await waitStatus(id, "planning");
    const all = (await inject("GET", `/runs/${id}/events`)).json<{ runId: string; events: Array<{ seq: number; message: { type: string } }> }>();
    expect(all.runId).toBe(id);
    expect(all.events.map((e) => e.message.type)).toEqual(["run.requested", "run.transition"]);
    const after = (await inject("GET", `/runs/${id}/events?after=${all.events[0]!.seq}`)).json<{ events: Array<{ message: { type: string } }> }>();
    expect(after.events.map((e) => e.message.type)).toEqual(["run.transition"]);
    expect((await inject("GET", `/runs/${id}/events?after=-1`)).json<{ message: string }>().message).toMatch(/^invalid query: after: /);
    expect((await inject("GET", "/runs/ghost/events")).statusCode).toBe(404);
  });

  it("a finished run's SSE stream replays, ends with an end event, and a resume past the end gets 204", async () => {
    const id = await createRun("sse finished");
    await waitStatus(id, "planning");
    await inject("POST", `/runs/${id}/cancel`);
    await waitStatus(id, "cancelled");
    const sse = await inject("GET", `/runs/${id}/events`, { headers: { accept: "text/event-stream" } });
    expect(sse.statusCode).toBe(200);
    expect(sse.headers["content-type"]).toMatch(/^text\/event-stream/);
    const ids = [...sse.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect([...sse.body.matchAll(/^event: (.+)$/gm)].map((m) => m[1])).toEqual(["run.requested", "run.transition", "run.control", "run.transition", "end"]);
    expect(sse.body).toMatch(/event: end\ndata: \{"runId":"[^"]+","status":"cancelled"\}/);
    const resumed = await inject("GET", `/runs/${id}/events`, { headers: { accept: "text/event-stream", "last-event-id": String(ids[1]) } });
    expect([...resumed.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(2));
    const done = await inject("GET", `/runs/${id}/events`, { headers: { accept: "text/event-stream", "last-event-id": String(ids.at(-1)) } });
    expect(done.statusCode).toBe(204);
    const bad = await inject("GET", `/runs/${id}/events`, { headers: { accept: "text/event-stream", "last-event-id": "yesterday" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/last-event-id/);
  });
});

describe("supervisor API - artifacts", () => {
  it("GET /runs/:id/artifacts/:ref downloads a snapshot the run refers to, and nothing else", async () => {
    const ref = await sup.bus.artifacts.put(gzipSync("a tarball, honestly"));
    const other = await sup.bus.artifacts.put(new TextEncoder().encode("someone else's"));
    const now = new Date().toISOString();
    const state: RunState = { ...initialState("art-run", "p", RunOptions.parse({}), now), status: "completed", lastArtifact: ref };
    await sup.bus.runs.create("art-run", state);
    const res = await inject("GET", `/runs/art-run/artifacts/${ref.name}`);
    expect(res.statusCode).toBe(200);
    // Snapshots are gzip-compressed tars, and say so: a download named .tar would be misread.
    expect(res.headers["content-type"]).toBe("application/gzip");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="${ref.name}.tar.gz"`);
    expect(gunzipSync(res.rawPayload).toString()).toBe("a tarball, honestly");
    expect((await inject("GET", `/runs/art-run/artifacts/${other.name}`)).json()).toMatchObject({ error: "SUP_ERR_ARTIFACT_NOT_FOUND" });
    const bad = await inject("GET", "/runs/art-run/artifacts/latest");
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/^invalid path: ref: artifact refs look like/);
    expect((await inject("GET", `/runs/ghost/artifacts/${ref.name}`)).statusCode).toBe(404);
  });
});

describe("supervisor API - ops", () => {
  it("GET /services lists replicas from heartbeats and the lag of each work consumer", async () => {
    const now = new Date().toISOString();
    const hb: ServiceHeartbeat = { type: "service.heartbeat", schemaVersion: 1, role: "evaluator", name: "a11y", instance: "a11y-1", version: "1.2.3", inFlight: 1, capacity: 4, startedAt: now, time: now };
    sup.registry.record(hb);
    const body = (await inject("GET", "/services")).json<{ services: Array<Record<string, unknown>>; lag: Record<string, number> }>();
    expect(body.services).toContainEqual(expect.objectContaining({ role: "evaluator", name: "a11y", version: "1.2.3", alive: true }));
    expect(Object.keys(body.lag)).toEqual(expect.arrayContaining([CONSUMERS.planner, CONSUMERS.generator, CONSUMERS.reviewer, "evaluator-core"]));
  });

  it("GET /dlq lists a dead letter with its reason; POST /dlq/:id/redrive needs a token and republishes it", async () => {
    // A custom evaluator's queue of its own, so no other test's work lands here.
    await sup.bus.ensureEvaluatorConsumer("dlqcheck");
    let broken = true;
    const handled: string[] = [];
    const Job = z.object({ id: z.string(), n: z.number() });
    const consumer = sup.bus.consume(evaluatorConsumer("dlqcheck"), Job, async (msg) => {
      if (broken) throw new PermanentError("evaluator misconfigured");
      handled.push(msg.id);
    });
    await sup.bus.publish(Job, { id: "dead-1", n: 1 }, { subject: evaluateSubject("dlqcheck") });
    const letters = await waitFor(async () => {
      const list = (await inject("GET", "/dlq")).json<{ deadLetters: Array<{ seq: number; reason: string; consumer: string }> }>().deadLetters;
      return list.find((l) => l.consumer === "evaluator-dlqcheck");
    }, { what: "a dead letter" });
    expect(letters.reason).toContain("evaluator misconfigured");
    const seq = letters.seq;
    expect((await inject("POST", `/dlq/${seq}/redrive`, { auth: false })).statusCode).toBe(401);
    expect((await inject("POST", "/dlq/abc/redrive")).json<{ message: string }>().message).toMatch(/^invalid path: id: /);
    expect((await inject("POST", "/dlq/999999/redrive")).json()).toMatchObject({ error: "SUP_ERR_DLQ_NOT_FOUND" });
    broken = false;
    const res = await inject("POST", `/dlq/${seq}/redrive`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id: seq, redriven: true, subject: evaluateSubject("dlqcheck") });
    await waitFor(() => handled.includes("dead-1"), { what: "the redriven message to be handled" });
    await consumer.stop();
    const left = (await inject("GET", "/dlq")).json<{ deadLetters: Array<{ seq: number }> }>().deadLetters;
    expect(left.map((l) => l.seq)).not.toContain(seq);
  });

  it("/healthz, /readyz and /metrics report the process, NATS and the runs", async () => {
    expect((await inject("GET", "/healthz")).json()).toEqual({ ok: true });
    expect((await inject("GET", "/readyz")).json()).toEqual({ ready: true, nats: true, streams: true });
    const metrics = await inject("GET", "/metrics");
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/harness_runs\{status="planning",service="supervisor"\} \d+/);
    // Counted from the stream, so it agrees with what the dead-letter list holds.
    const held = (await inject("GET", "/dlq")).json<{ deadLetters: unknown[] }>().deadLetters.length;
    expect(metrics.body).toMatch(new RegExp(`^harness_dead_letters\\{service="supervisor"\\} ${held}$`, "m"));
    expect(metrics.body).toMatch(/harness_consumer_lag\{consumer="planner",service="supervisor"\} \d+/);
  });

  it("/readyz answers 503 once NATS is gone", async () => {
    const gone = await startTestSupervisor(nats.as(), { name: "supervisor-gone" });
    await gone.bus.close();
    const res = await gone.app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, nats: false, streams: false });
    await gone.app.close();
  });

  it("/openapi.json documents every route, /docs serves the docs page, unknown routes are a 404", async () => {
    const doc = (await inject("GET", "/openapi.json")).json<{ openapi: string; paths: Record<string, Record<string, { security?: unknown }>> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/artifacts", "/auth", "/calibrations", "/calibrations/{id}", "/calibrations/{id}/cancel", "/dlq", "/dlq/{id}/redrive", "/healthz", "/metrics", "/readyz", "/rejudgements/{id}", "/runs", "/runs/{id}", "/runs/{id}/approve",
      "/runs/{id}/artifacts/{ref}", "/runs/{id}/cancel", "/runs/{id}/contract/revise", "/runs/{id}/events", "/runs/{id}/pause", "/runs/{id}/rejudgements", "/runs/{id}/resume", "/runs/{id}/spec/revise", "/services",
    ]);
    expect(doc.paths["/runs"]?.["post"]?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/auth"]?.["get"]?.security).toEqual([{ bearer: [] }]);
    const docs = await inject("GET", "/docs/");
    expect(docs.statusCode).toBe(200);
    expect(docs.headers["content-type"]).toMatch(/text\/html/);
    const missing = await inject("GET", "/nowhere");
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: "SUP_ERR_NOT_FOUND" });
  });

  it("/asyncapi.json serves the committed message protocol, without a token, and the API description at /docs links it", async () => {
    const res = await inject("GET", "/asyncapi.json", { auth: false });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/application\/json/);
    const committed = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "packages", "contracts", "asyncapi.json"), "utf8")) as unknown;
    expect(res.json()).toEqual(committed);
    const api = (await inject("GET", "/openapi.json")).json<{ info: { description: string } }>();
    expect(api.info.description).toContain("[/asyncapi.json](/asyncapi.json)");
  });

  it("/ serves the dashboard and only its own files", async () => {
    const page = await inject("GET", "/");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toContain("/dashboard/app.js");
    expect((await inject("GET", "/dashboard/app.js")).headers["content-type"]).toMatch(/javascript/);
    expect((await inject("GET", "/dashboard/..%2Fapp.ts")).statusCode).toBe(404);
  });
});
