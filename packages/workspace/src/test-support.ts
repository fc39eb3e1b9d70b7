import { chmodSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { procState } from "./process-group.js";
import type { WorkspaceTool } from "./tool.js";

/** A fresh temp directory per test, removed afterwards. Read `.path` inside tests. */
export function useTempDirs(): { make(prefix?: string): string } {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    make(prefix = "ws-") {
      const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
      // A sandbox user (sandbox.ts) must be able to pass through to workspaces made below it.
      chmodSync(dir, 0o711);
      made.push(dir);
      return dir;
    },
  };
}

export function tool(tools: WorkspaceTool[], name: string): WorkspaceTool {
  const found = tools.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

/** Gone or a zombie: either way it runs no code any more. */
export function processGone(pid: number): boolean {
  const state = procState(pid);
  return state === undefined || state.state === "Z";
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
