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
  api = await startApi(nats.url);
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

  it("the right token is accepted on the same routes", async () => {
    const res = await api.app.inject({ method: "POST", url: `/runs/${runId}/pause`, headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" }, payload: {} });
    expect(res.statusCode).toBe(202);
  });
});
