import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { parseEnvFile } from "./credentials.js";

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), "nats-config-cli-")); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const env = (dir: string, file: string) => parseEnvFile(readFileSync(join(dir, file), "utf8"));

describe("nats-config CLI", () => {
  it("writes the server config, the server's password env and one env file per role", () => {
    const out = tmp();
    const r = runCli(["--out", out, "--evaluator", "x"]);
    expect(r.users).toEqual(["supervisor", "planner", "generator", "evaluator", "evaluator-x"]);
    const server = env(out, "nats.env");
    expect(env(out, "evaluator-x.env")).toEqual({ NATS_USER: "evaluator-x", NATS_PASSWORD: server["HARNESS_NATS_PASSWORD_EVALUATOR_X"] });
    expect(env(out, "api.env")["HARNESS_API_TOKEN"]).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(readFileSync(join(out, "nats.conf"), "utf8")).toContain("jetstream {");
    expect(readFileSync(join(out, "auth.conf"), "utf8")).not.toContain("jetstream");
    expect(statSync(join(out, "nats.env")).mode & 0o077).toBe(0);
  });

  it("keeps existing passwords on a re-run, so running services are not locked out", () => {
    const out = tmp();
    runCli(["--out", out]);
    const before = env(out, "nats.env");
    const r = runCli(["--out", out, "--evaluator", "x"]);
    const after = env(out, "nats.env");
    expect(r.kept).toBe(4);
    expect(after["HARNESS_NATS_PASSWORD_PLANNER"]).toBe(before["HARNESS_NATS_PASSWORD_PLANNER"]);
    expect(after["HARNESS_NATS_PASSWORD_EVALUATOR_X"]).toMatch(/^[A-Za-z]/);
  });

  it("replaces every password and the API token with --rotate", () => {
    const out = tmp();
    runCli(["--out", out]);
    const before = { ...env(out, "nats.env"), ...env(out, "api.env") };
    runCli(["--out", out, "--rotate"]);
    const after = { ...env(out, "nats.env"), ...env(out, "api.env") };
    for (const [k, v] of Object.entries(before)) expect(after[k]).not.toBe(v);
  });

  it("writes the server config elsewhere with --conf and refuses bad arguments", () => {
    const out = tmp();
    runCli(["--out", out, "--conf", join(out, "elsewhere.conf")]);
    expect(readFileSync(join(out, "elsewhere.conf"), "utf8")).toContain("authorization {");
    expect(() => runCli([])).toThrow(/--out/);
    expect(() => runCli(["--out", out, "--bogus"])).toThrow();
  });
});
