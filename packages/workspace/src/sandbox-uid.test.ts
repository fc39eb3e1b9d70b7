import { chmod, link, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { handOver } from "./sandbox-uid.js";

const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe.runIf(isRoot)("handOver", () => {
  it("gives the workspace's own files to the sandbox uid but never a file hard-linked from outside it", async () => {
    const top = await mkdtemp(join(tmpdir(), "handover-"));
    dirs.push(top);
    await chmod(top, 0o711);
    const ws = join(top, "ws");
    await mkdir(join(ws, "sub"), { recursive: true });
    await writeFile(join(ws, "sub", "own.txt"), "mine");
    const victim = join(top, "outside-victim");
    await writeFile(victim, "root's");
    await link(victim, join(ws, "innocent.txt"));
    await handOver(ws, 1_500_000_123);
    expect((await stat(join(ws, "sub", "own.txt"))).uid).toBe(1_500_000_123);
    expect((await stat(join(ws, "sub"))).uid).toBe(1_500_000_123);
    expect((await stat(ws)).uid).toBe(1_500_000_123);
    expect((await stat(victim)).uid).toBe(0);
  });
});
