import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalNats } from "./local-stack.js";

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "harness-port-"));
  dirs.push(dir);
  return dir;
}

const portOf = (url: string) => Number(new URL(url).port);

describe("cli - the local NATS keeps its port from one up to the next", () => {
  it("reuses the data folder's previous port when it is free, and stores it there", async () => {
    const dataDir = folder();
    const first = await startLocalNats(dataDir);
    const port = portOf(first.url);
    await first.stop();
    expect(readFileSync(join(dataDir, "nats.port"), "utf8").trim()).toBe(String(port));
    const second = await startLocalNats(dataDir);
    try {
      expect(portOf(second.url)).toBe(port);
    } finally { await second.stop(); }
  }, 60_000);

  it("falls back to a new port when another program holds the previous one, and remembers the new one", async () => {
    const dataDir = folder();
    const first = await startLocalNats(dataDir);
    const port = portOf(first.url);
    await first.stop();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    try {
      const second = await startLocalNats(dataDir);
      try {
        const moved = portOf(second.url);
        expect(moved).not.toBe(port);
        expect(readFileSync(join(dataDir, "nats.port"), "utf8").trim()).toBe(String(moved));
      } finally { await second.stop(); }
    } finally { await new Promise((r) => squatter.close(r)); }
  }, 60_000);

  it("ignores a port file that does not hold a port", async () => {
    const dataDir = folder();
    writeFileSync(join(dataDir, "nats.port"), "not a port\n");
    const nats = await startLocalNats(dataDir);
    try {
      expect(portOf(nats.url)).toBeGreaterThan(0);
      expect(readFileSync(join(dataDir, "nats.port"), "utf8").trim()).toBe(String(portOf(nats.url)));
    } finally { await nats.stop(); }
  }, 60_000);
});
