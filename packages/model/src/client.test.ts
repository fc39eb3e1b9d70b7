import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ModelRequestError } from "./errors.js";
import { closeAll, serve, TEST_KEY } from "./test-support.js";
import { runToolLoop } from "./tool-loop.js";

afterEach(closeAll);

function memoryLogger() {
  const lines: string[] = [];
  return { lines, logger: pino({ level: "trace" }, { write: (line: string) => void lines.push(line) }) };
}

describe("model - client", () => {
  it("every call's usage is recorded once, and the records add up to what the server reported", async () => {
    let step = 0;
    const { server, client, usages, onUsage } = await serve([
      { match: { role: "generator" }, reply: () => (++step <= 3 ? { toolUse: [{ name: "noop", input: {} }] } : { text: "done" }) },
    ]);
    const noop = { name: "noop", description: "Does nothing", input: z.object({}), run: async () => "ok" };
    server.injectFault({ fault: "overloaded" }, { times: 1 });
    await runToolLoop(client, { role: "generator", system: "You build.", prompt: "go", tools: [noop], onUsage });

    const answered = server.requests.filter((r) => r.status === 200);
    expect(server.requests).toHaveLength(5);
    expect(usages).toHaveLength(answered.length);
    expect(new Set(usages.map((u) => u.callId)).size).toBe(usages.length);
    const sum = (pick: (u: (typeof usages)[number]["usage"]) => number) => usages.reduce((n, u) => n + pick(u.usage), 0);
    expect(sum((u) => u.inputTokens)).toBe(answered.reduce((n, r) => n + (r.usage?.input_tokens ?? 0), 0));
    expect(sum((u) => u.outputTokens)).toBe(answered.reduce((n, r) => n + (r.usage?.output_tokens ?? 0), 0));
    expect(sum((u) => u.cacheReadInputTokens)).toBe(answered.reduce((n, r) => n + (r.usage?.cache_read_input_tokens ?? 0), 0));
    expect(sum((u) => u.cacheCreationInputTokens)).toBe(answered.reduce((n, r) => n + (r.usage?.cache_creation_input_tokens ?? 0), 0));
  });

  it("the API key is sent but never logged, on success, on retries and on failures", async () => {
    const { lines, logger } = memoryLogger();
    const { server, client } = await serve(
      [{ match: { role: "planner" }, replies: [{ fault: "overloaded", times: 1 }, { fault: "rate_limit", retryAfterSeconds: 0, times: 1 }, { text: "ok" }] },
        { match: { role: "judge" }, reply: { fault: "http_error", status: 401 } }],
      { logger },
    );
    await client.call({ role: "planner", system: "You plan.", messages: [{ role: "user", content: "go" }] });
    const err = await client.call({ role: "judge", system: "You judge.", messages: [{ role: "user", content: "go" }] }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ModelRequestError);
    // The server saw a credential on every request (it records only that one was there).
    expect(server.requests.every((r) => (r.headers["x-api-key"] ?? r.headers["authorization"]) === "[redacted]")).toBe(true);
    const logged = lines.join("\n");
    expect(lines.filter((l) => l.includes("model call retry"))).toHaveLength(2);
    expect(logged).toContain('"msg":"model call"');
    expect(logged).not.toContain(TEST_KEY);
    expect(logged).not.toMatch(/x-api-key|authorization|"headers"/i);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(TEST_KEY);
  });

  it("tags each request with its role, so one endpoint can tell the roles apart", async () => {
    const { server, client } = await serve([{ reply: { text: "ok" } }]);
    for (const role of ["planner", "generator", "evaluator", "judge"] as const) {
      await client.call({ role, system: "s", messages: [{ role: "user", content: "go" }] });
    }
    expect(server.requests.map((r) => r.role)).toEqual(["planner", "generator", "evaluator", "judge"]);
  });
});
