import { connect } from "node:net";
import { useNatsServer } from "../../../packages/testkit/src/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSupervisor, TEST_TOKEN, type TestSupervisor } from "./test-fixtures.js";

// Over a real socket: these requests never reach fastify's routing (inject() would not parse them).
const nats = useNatsServer();
let sup: TestSupervisor;
let port = 0;

beforeAll(async () => {
  sup = await startTestSupervisor(nats.as());
  await sup.app.listen({ host: "127.0.0.1", port: 0 });
  port = (sup.app.server.address() as { port: number }).port;
});
afterAll(async () => { await sup?.close(); });

/** Sends raw bytes and reads the whole answer until the server closes the connection. */
function raw(bytes: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => { data += d; });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), headers: head, body });
    });
  });
}

describe("supervisor API - requests the HTTP parser refuses", () => {
  it("answers headers over the size limit with a 431 in the API's error format, echoing none of them", async () => {
    const huge = `x-filler: ${"a".repeat(20_000)}`;
    const res = await raw(`GET /runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n${huge}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(res.body)).toEqual({ error: "SUP_ERR_HEADERS_TOO_LARGE", message: "request headers are larger than the server accepts", statusCode: 431 });
    expect(res.body).not.toContain("aaaa");
  });

  it("answers a malformed request with a 400 in the API's error format", async () => {
    const res = await raw("GET /runs HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n");
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body) as { error: string; message: string; statusCode: number };
    expect(body).toMatchObject({ error: "SUP_ERR_INVALID_REQUEST", statusCode: 400 });
    expect(body.message).toMatch(/^malformed HTTP request \(HPE_/);
  });

  it("still answers a well-formed request on the same server", async () => {
    const res = await raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(res.status).toBe(200);
  });
});
