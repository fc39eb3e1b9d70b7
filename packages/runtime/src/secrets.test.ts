import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("runtime - hiding secrets from the environment", () => {
  it("removes a secret from process.env and from /proc/self/environ once it has been read", () => {
    const script = `
      import { readFileSync } from "node:fs";
      import { hideSecretsFromEnvironment } from "./packages/runtime/src/secrets.ts";
      const kept = process.env.ANTHROPIC_API_KEY;
      hideSecretsFromEnvironment();
      const environ = readFileSync("/proc/self/environ", "latin1");
      console.log(JSON.stringify({ kept, env: process.env.ANTHROPIC_API_KEY ?? null, inProc: environ.includes("sk-ant-canary-123456"), path: environ.includes("PATH=") }));
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL("../../..", import.meta.url).pathname, encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", ANTHROPIC_API_KEY: "sk-ant-canary-123456" },
    });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ kept: "sk-ant-canary-123456", env: null, inProc: false, path: true });
  });
});
