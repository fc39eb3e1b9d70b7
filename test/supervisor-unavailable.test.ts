import { useNatsServer, waitFor } from "@harness/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startApi, type InProcessApi } from "./support/chaos-api.js";

const nats = useNatsServer();
let api: InProcessApi;

beforeAll(async () => { api = await startApi(nats.as()); });
afterAll(async () => { await api?.close(); });

describe("supervisor API - while NATS is away", () => {
  it("answers reads with 503 SUP_ERR_UNAVAILABLE (try again), a write with an internal error (it may have landed), and lists the runs again once NATS is back", async () => {
    const created = await api.app.inject({ method: "POST", url: "/runs", headers: { authorization: `Bearer ${API_TOKEN}` }, payload: { prompt: "a run listed before and after" } });
    const { id } = created.json<{ id: string }>();
    expect((await api.app.inject({ method: "GET", url: "/runs" })).json<{ runs: Array<{ id: string }> }>().runs.map((r) => r.id)).toContain(id);

    await nats.server.stop();
    try {
      for (const url of ["/runs", `/runs/${id}`]) {
        const res = await api.app.inject({ method: "GET", url });
        expect(res.statusCode, url).toBe(503);
        expect(res.json(), url).toEqual({ error: "SUP_ERR_UNAVAILABLE", message: "the run store could not be read; try again", statusCode: 503 });
      }
      // A write is not "try again": it may have landed before its reply was lost (a second run).
      const create = await api.app.inject({ method: "POST", url: "/runs", headers: { authorization: `Bearer ${API_TOKEN}` }, payload: { prompt: "made while NATS is away" } });
      expect(create.statusCode).toBe(500);
      expect(create.json<{ error: string }>().error).toBe("SUP_ERR_INTERNAL");
    } finally {
      await nats.server.restart();
    }
    await waitFor(async () => {
      const res = await api.app.inject({ method: "GET", url: "/runs" });
      return res.statusCode === 200 && res.json<{ runs: Array<{ id: string }> }>().runs.some((r) => r.id === id) ? true : undefined;
    }, { timeoutMs: 20_000, what: "the run listed again" });
  }, 60_000);
});
