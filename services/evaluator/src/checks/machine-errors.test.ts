import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpCheck } from "@harness/contracts";
import { freePort } from "../app-checks.js";
import { MAX_BODY_BYTES, runHttpCheck } from "./http.js";

const run = promisify(execFile);

describe("http and data checks when the machine, not the product, refuses", () => {
  let server: Server;
  let baseUrl: string;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "machine-errors-"));
    await mkdir(join(dir, "data"));
    await writeFile(join(dir, "data", "items.json"), "[1]");
    const port = await freePort();
    server = createServer((req, res) => {
      if (req.url === "/big") { res.writeHead(200); res.end(Buffer.alloc(MAX_BODY_BYTES + 1, 97)); return; }
      if (req.url === "/endless") {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 98);
        const pump = () => { while (res.write(chunk)); res.once("drain", pump); };
        pump();
        req.on("close", () => res.destroy());
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }); res.end("[1]");
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it("ends both as an evaluator interruption, not a failed check, when no file descriptor is left (EMFILE)", async () => {
    const fixture = join(import.meta.dirname, "fixtures", "without-fds.ts");
    const { stdout } = await run("prlimit", ["--nofile=256:256", process.execPath, "--import", "tsx", fixture, baseUrl, dir], { cwd: import.meta.dirname, timeout: 60_000 });
    const out = JSON.parse(stdout) as { held: number; http: string; data: string };
    expect(out.held).toBeGreaterThan(0);
    expect(out.http).toMatch(/^EvaluationInterruptedError: evaluation interrupted: .*check h.*EMFILE/);
    expect(out.data).toMatch(/^EvaluationInterruptedError: evaluation interrupted: .*check d.*EMFILE/);
  }, 90_000);

  it("reads an answer's body up to a cap and fails the check naming the cap, even for a body that never ends", async () => {
    for (const path of ["/big", "/endless"]) {
      const at = Date.now();
      const r = await runHttpCheck(baseUrl, HttpCheck.parse({ id: "b", kind: "http", description: "big", path, expectStatus: 200 }));
      expect(r.passed, path).toBe(false);
      expect(r.feedback).toContain(`the body is larger than the ${MAX_BODY_BYTES / 1024 / 1024} MB an http check reads`);
      expect(Date.now() - at).toBeLessThan(20_000);
    }
    const small = await runHttpCheck(baseUrl, HttpCheck.parse({ id: "s", kind: "http", description: "small", path: "/api/items", expectStatus: 200, json: [{ path: "$.length", equals: 1 }] }));
    expect(small.passed, small.feedback).toBe(true);
  }, 60_000);
});
