import { STREAMS } from "@harness/contracts";
import { useNatsServer } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startApi, type InProcessApi } from "./support/chaos-api.js";

const nats = useNatsServer();
let api: InProcessApi;
let runId: string;

/** Every way of not presenting the right bearer token. */
const BAD_AUTH: Array<[string, Record<string, string>]> = [
  ["no Authorization header", {}],
  ["an empty bearer", { authorization: "Bearer " }],
  ["a wrong token", { authorization: "Bearer not-the-token-0123456789" }],
  ["the token with a suffix", { authorization: `Bearer ${API_TOKEN}x` }],
  ["a prefix of the token", { authorization: `Bearer ${API_TOKEN.slice(0, -1)}` }],
  ["the token under another scheme", { authorization: `Basic ${API_TOKEN}` }],
  ["the bare token", { authorization: API_TOKEN }],
  ["the token in another header", { "x-api-key": API_TOKEN }],
];

beforeAll(async () => {
  api = await startApi(nats.as());
  const res = await api.app.inject({ method: "POST", url: "/runs", headers: { authorization: `Bearer ${API_TOKEN}` }, payload: { prompt: "a run to aim at" } });
  runId = res.json<{ id: string }>().id;
});
afterAll(async () => { await api?.close(); });

/** Mutating operations, read from the API's own OpenAPI document so a new route cannot be missed. */
async function mutatingRoutes(): Promise<Array<{ method: string; url: string }>> {
  const doc = (await api.app.inject({ method: "GET", url: "/openapi.json" })).json<{ paths: Record<string, Record<string, unknown>> }>();
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops)
    .filter((m) => ["post", "put", "patch", "delete"].includes(m))
    .map((m) => ({ method: m.toUpperCase(), url: path.replace("{id}", path.startsWith("/dlq") ? "1" : runId) })));
}

describe("security - mutating routes need the bearer token", () => {
  it("every mutating route answers 401 to each bad credential, and changes nothing", async () => {
    const routes = await mutatingRoutes();
    expect(routes.map((r) => r.url.replace(runId, ":id"))).toEqual(expect.arrayContaining(["/runs", "/runs/:id/pause", "/runs/:id/resume", "/runs/:id/cancel", "/runs/:id/approve", "/dlq/1/redrive"]));
    const events = (await api.bus.jsm.streams.info(STREAMS.events)).state.messages;
    const runs = (await api.bus.runs.keys()).length;
    for (const route of routes) {
      for (const [what, headers] of BAD_AUTH) {
        const res = await api.app.inject({ method: route.method as "POST", url: route.url, headers: { ...headers, "content-type": "application/json" }, payload: route.url === "/runs" ? { prompt: "forged" } : {} });
        expect(res.statusCode, `${route.method} ${route.url} with ${what}`).toBe(401);
        expect(res.json<{ error: string }>().error).toBe("SUP_ERR_UNAUTHORIZED");
      }
    }
    // Refused before any effect: no event published, no run created.
    expect((await api.bus.jsm.streams.info(STREAMS.events)).state.messages).toBe(events);
    expect(await api.bus.runs.keys()).toHaveLength(runs);
  });

  it("the token is checked before the body is read: an unauthenticated oversized body gets 401, not 413", async () => {
    const res = await api.app.inject({ method: "POST", url: "/runs", headers: { "content-type": "application/json" }, payload: JSON.stringify({ prompt: "x".repeat(2_000_000) }) });
    expect(res.statusCode).toBe(401);
  });

  it("GET /auth tells a right token from a wrong one, and says reads are open", async () => {
    for (const [what, headers] of BAD_AUTH) {
      const res = await api.app.inject({ method: "GET", url: "/auth", headers });
      expect(res.statusCode, what).toBe(401);
      expect(res.json<{ error: string }>().error).toBe("SUP_ERR_UNAUTHORIZED");
    }
    const res = await api.app.inject({ method: "GET", url: "/auth", headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, reads: "open" });
  });

  it("the right token is accepted on the same routes", async () => {
    const res = await api.app.inject({ method: "POST", url: `/runs/${runId}/pause`, headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" }, payload: {} });
    expect(res.statusCode).toBe(202);
  });
});

/** Routes that stay open with read auth on: probes, Prometheus, and the API's own description. */
const OPEN_READS = ["/healthz", "/readyz", "/metrics"];

describe("security - with SUPERVISOR_READ_AUTH on, reads need the bearer token too", () => {
  let guarded: InProcessApi;
  beforeAll(async () => { guarded = await startApi(nats.as(), { readAuth: true }); });
  afterAll(async () => { await guarded?.close(); });

  /** GET operations from the OpenAPI document, so a new read route cannot be missed. */
  async function readRoutes(): Promise<string[]> {
    const doc = (await guarded.app.inject({ method: "GET", url: "/openapi.json" })).json<{ paths: Record<string, Record<string, unknown>> }>();
    return Object.entries(doc.paths).filter(([path, ops]) => "get" in ops && !OPEN_READS.includes(path))
      .map(([path]) => path.replace("{id}", runId).replace("{ref}", `sha256-${"0".repeat(64)}`));
  }

  it("every route that reads runs, events, artifacts, services or dead letters answers 401 to each bad credential, as JSON and as a live stream", async () => {
    const routes = await readRoutes();
    expect(routes.map((r) => r.replace(runId, ":id").replace(/sha256-0+/, ":ref"))).toEqual(expect.arrayContaining(["/runs", "/runs/:id", "/runs/:id/events", "/runs/:id/artifacts/:ref", "/services", "/dlq"]));
    for (const url of routes) {
      for (const [what, headers] of BAD_AUTH) {
        const res = await guarded.app.inject({ method: "GET", url, headers });
        expect(res.statusCode, `GET ${url} with ${what}`).toBe(401);
        expect(res.json<{ error: string }>().error).toBe("SUP_ERR_UNAUTHORIZED");
      }
    }
    const stream = await guarded.app.inject({ method: "GET", url: `/runs/${runId}/events`, headers: { accept: "text/event-stream" } });
    expect(stream.statusCode).toBe(401);
    expect(stream.headers["content-type"]).toContain("application/json");
  });

  it("with the token the same reads answer, and probes, metrics, the OpenAPI document and the dashboard's files stay open", async () => {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const list = await guarded.app.inject({ method: "GET", url: "/runs", headers: auth });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ runs: Array<{ id: string }> }>().runs.map((r) => r.id)).toContain(runId);
    expect((await guarded.app.inject({ method: "GET", url: `/runs/${runId}`, headers: auth })).json<{ id: string }>().id).toBe(runId);
    expect((await guarded.app.inject({ method: "GET", url: `/runs/${runId}/events`, headers: auth })).statusCode).toBe(200);
    expect((await guarded.app.inject({ method: "GET", url: "/services", headers: auth })).statusCode).toBe(200);
    expect((await guarded.app.inject({ method: "GET", url: "/dlq", headers: auth })).statusCode).toBe(200);
    expect((await guarded.app.inject({ method: "GET", url: "/auth", headers: auth })).json()).toEqual({ ok: true, reads: "token" });
    for (const url of [...OPEN_READS, "/openapi.json", "/", "/dashboard/app.js"]) {
      expect((await guarded.app.inject({ method: "GET", url })).statusCode, `GET ${url} without a token`).toBe(200);
    }
  });

  it("without it (the default), reads need no token", async () => {
    const res = await api.app.inject({ method: "GET", url: `/runs/${runId}` });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ id: string }>().id).toBe(runId);
  });
});
