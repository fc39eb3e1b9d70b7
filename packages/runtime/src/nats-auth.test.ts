import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { redactText } from "@harness/logger";
import { natsAuth, secretFromEnv } from "./nats-auth.js";

const dir = mkdtempSync(join(tmpdir(), "nats-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("NATS credentials from the environment", () => {
  it("reads the password from NATS_PASSWORD_FILE before NATS_PASSWORD, trimming the newline", () => {
    const file = join(dir, "generator.password");
    writeFileSync(file, "FromTheFile123\n", { mode: 0o600 });
    expect(natsAuth({ NATS_USER: "generator", NATS_PASSWORD_FILE: file, NATS_PASSWORD: "fromEnv" })).toEqual({ user: "generator", pass: "FromTheFile123" });
    expect(natsAuth({ NATS_USER: "generator", NATS_PASSWORD: "fromEnv" })).toEqual({ user: "generator", pass: "fromEnv" });
  });

  it("connects anonymously without a user and refuses a password file it cannot read or that is empty", () => {
    expect(natsAuth({ NATS_PASSWORD: "ignored" })).toEqual({});
    expect(() => natsAuth({ NATS_USER: "x", NATS_PASSWORD_FILE: join(dir, "missing") })).toThrow(/NATS_PASSWORD_FILE: cannot read/);
    writeFileSync(join(dir, "empty"), "\n");
    expect(() => natsAuth({ NATS_USER: "x", NATS_PASSWORD_FILE: join(dir, "empty") })).toThrow(/is empty/);
  });

  it("reads any secret from <NAME>_FILE before <NAME>, and redacts what it read from logs", () => {
    const file = join(dir, "model-key");
    writeFileSync(file, "sk-ant-in-a-file-42\n", { mode: 0o600 });
    expect(secretFromEnv({ ANTHROPIC_API_KEY_FILE: file, ANTHROPIC_API_KEY: "from-env" }, "ANTHROPIC_API_KEY")).toBe("sk-ant-in-a-file-42");
    expect(redactText("key sk-ant-in-a-file-42 here")).not.toContain("sk-ant-in-a-file-42");
    expect(secretFromEnv({ ANTHROPIC_API_KEY: "from-env" }, "ANTHROPIC_API_KEY")).toBe("from-env");
    expect(secretFromEnv({ ANTHROPIC_API_KEY: "" }, "ANTHROPIC_API_KEY")).toBeUndefined();
    expect(() => secretFromEnv({ HARNESS_API_TOKEN_FILE: join(dir, "missing") }, "HARNESS_API_TOKEN")).toThrow(/HARNESS_API_TOKEN_FILE: cannot read/);
  });
});
