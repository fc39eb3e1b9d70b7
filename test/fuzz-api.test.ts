import { CreateRunRequest, Id } from "@harness/contracts";
import { useNatsServer } from "@harness/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { API_TOKEN, namesEveryField, poisoned, startApi, type InProcessApi } from "./support/chaos-api.js";
import { controlBody, createRunBody, paramText } from "./support/chaos-arbitraries.js";
import { casesFrom } from "./support/chaos-mutate.js";

const nats = useNatsServer();
let api: InProcessApi;
let runId: string;
const AUTH = { authorization: `Bearer ${API_TOKEN}` };
const ACTIONS = ["pause", "resume", "cancel", "approve"] as const;
/** The control body as the API documents it: an optional object with an optional comment (fastify hands a missing body over as null). */
const ControlBody = z.strictObject({ comment: z.string().max(10_000).optional() }).nullish();

interface ErrorBody { error: string; message: string; statusCode: number }

beforeAll(async () => {
  api = await startApi(nats.as());
  const res = await api.app.inject({ method: "POST", url: "/runs", headers: AUTH, payload: { prompt: "the run control routes are aimed at" } });
  runId = res.json<{ id: string }>().id;
});
afterAll(async () => { await api?.close(); });

const send = (method: "GET" | "POST", url: string, payload?: string, headers: Record<string, string> = {}) =>
  api.app.inject({ method, url, headers: { ...AUTH, ...(payload !== undefined ? { "content-type": "application/json" } : {}), ...headers }, ...(payload !== undefined ? { payload } : {}) });

/** The API's answer agrees with the schema: accepted when it parses, else a 400 naming every failing field. */
function expectSchemaVerdict(res: { statusCode: number; body: string }, schema: z.ZodType, payload: string | undefined, accepted: number[]): void {
  expect(res.statusCode, res.body).toBeLessThan(500);
  const parsed = schema.safeParse(payload === undefined ? undefined : JSON.parse(payload));
  if (parsed.success && !(payload !== undefined && poisoned(payload))) {
    expect(accepted, res.body).toContain(res.statusCode);
    return;
  }
  expect(res.statusCode, res.body).toBe(400);
  const body = JSON.parse(res.body) as ErrorBody;
  expect(body.error).toBe("SUP_ERR_INVALID_REQUEST");
  expect(body.message).toMatch(/^invalid body/);
  if (!parsed.success) expect(namesEveryField(body.message, parsed.error.issues), body.message).toEqual([]);
}

describe("fuzz - supervisor API bodies", () => {
  // Before the create property fills the bucket: listing scans every run.
  it("list and event queries with any values answer 200 or a 400 naming the parameter", async () => {
    const query = fc.dictionary(fc.constantFrom("status", "limit", "offset", "after"), paramText, { maxKeys: 3 });
    await fc.assert(fc.asyncProperty(fc.constantFrom("/runs", `/runs/{run}/events`), query, async (path, q) => {
      const res = await send("GET", `${path.replace("{run}", runId)}?${new URLSearchParams(q).toString()}`);
      expect(res.statusCode, res.body).toBeLessThan(500);
      if (res.statusCode !== 200) {
        expect(res.statusCode, res.body).toBe(400);
        const { message } = res.json<ErrorBody>();
        expect(message).toMatch(/^invalid query/);
        expect(Object.keys(q).some((k) => message.includes(k)), message).toBe(true);
      }
    }), { numRuns: 400 });
  });

  it("POST /runs creates a run for every body the schema accepts and names the failing fields of every other", async () => {
    await fc.assert(fc.asyncProperty(casesFrom(createRunBody), async (body) => {
      const payload = JSON.stringify(body);
      const res = await send("POST", "/runs", payload);
      // A well-formed body naming an evaluator nobody serves (only core runs here) is refused too.
      const parsed = CreateRunRequest.safeParse(body);
      const unserved = parsed.success ? (parsed.data.options?.evaluators ?? []).filter((n) => n !== "core") : [];
      if (unserved.length > 0 && !poisoned(payload)) {
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json<ErrorBody>().message).toMatch(new RegExp(`^invalid body: options\\.evaluators: no evaluator named '${unserved[0]}'`));
        return;
      }
      expectSchemaVerdict(res, CreateRunRequest, payload, [201]);
    }), { numRuns: 1500 });
  });

  it("the control routes accept any valid or absent body and name the failing field of every invalid one", async () => {
    const body = fc.option(casesFrom(controlBody), { nil: undefined });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ACTIONS), body, async (action, b) => {
      const payload = b === undefined ? undefined : JSON.stringify(b);
      // The fuzzed run waits at no gate: a valid approve is refused by state (409), never by its body.
      expectSchemaVerdict(await send("POST", `/runs/${runId}/${action}`, payload), ControlBody, payload, [action === "approve" ? 409 : 202]);
    }), { numRuns: 1000 });
  });

  it("run and dead-letter ids in the path are found, not found, or refused by name, never a crash", async () => {
    const route = fc.constantFrom(...ACTIONS.map((a) => ({ method: "POST" as const, path: (id: string) => `/runs/${id}/${a}` })),
      { method: "GET" as const, path: (id: string) => `/runs/${id}` }, { method: "GET" as const, path: (id: string) => `/runs/${id}/events` });
    await fc.assert(fc.asyncProperty(route, paramText, async (r, id) => {
      const encoded = encodeURIComponent(id);
      const res = await send(r.method, r.path(encoded));
      expect(res.statusCode, res.body).toBeLessThan(500);
      // Fastify's router ignores a path parameter over 100 characters, and "." or ".." are dot
      // segments that URL parsing resolves away (`/runs/..` is the dashboard): another route, or none.
      if (["", ".", ".."].includes(id)) {
        expect([200, 400, 404]).toContain(res.statusCode);
      } else if (encoded.length > 100) {
        // Longer than the router takes: still refused in the API's own format.
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json<ErrorBody>()).toMatchObject({ error: "SUP_ERR_INVALID_REQUEST", message: expect.stringMatching(/^invalid path: /) });
      } else if (Id.safeParse(id).success) {
        expect([200, 202, 404]).toContain(res.statusCode);
      } else {
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json<ErrorBody>().message).toContain("id");
      }
    }), { numRuns: 600 });

    await fc.assert(fc.asyncProperty(paramText, async (id) => {
      const encoded = encodeURIComponent(id);
      const res = await send("POST", `/dlq/${encoded}/redrive`);
      expect(res.statusCode, res.body).toBeLessThan(500);
      const n = Number(id);
      if (encoded.length > 100 || ["", ".", ".."].includes(id)) {
        expect([400, 404]).toContain(res.statusCode);
        expect(res.json<ErrorBody>().error).toMatch(/^SUP_ERR_/);
      } else if (Number.isSafeInteger(n) && n > 0) {
        expect(res.statusCode, res.body).toBe(404);
      } else {
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json<ErrorBody>().message).toContain("id");
      }
    }), { numRuns: 400 });
  });

  it("bytes that are not JSON, or not sent as JSON, are refused with 400 or 415 and never reach a handler", async () => {
    const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/xml", "application/json; charset=latin1");
    const raw = fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")));
    await fc.assert(fc.asyncProperty(fc.constantFrom("/runs", "/runs/{run}/cancel"), contentType, raw, async (path, type, payload) => {
      const res = await send("POST", path.replace("{run}", runId), payload, { "content-type": type });
      expect(res.statusCode, res.body).toBeLessThan(500);
      let json: unknown;
      try { json = JSON.parse(payload); } catch { json = undefined; }
      if (!(type === "application/json" && json !== undefined && !poisoned(payload))) expect([400, 415], res.body).toContain(res.statusCode);
    }), { numRuns: 500 });
  });

  it("a body over the limit is refused with 413 before it is parsed, on every mutating route", async () => {
    const huge = JSON.stringify({ prompt: "x".repeat(1_100_000) });
    for (const path of ["/runs", ...ACTIONS.map((a) => `/runs/${runId}/${a}`)]) {
      const res = await send("POST", path, huge);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(413);
      expect(res.json<ErrorBody>().error).toBe("SUP_ERR_PAYLOAD_TOO_LARGE");
    }
    // Still serving afterwards.
    expect((await send("GET", `/runs/${runId}`)).statusCode).toBe(200);
  });

});
