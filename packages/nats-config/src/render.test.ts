import { describe, expect, it } from "vitest";
import { generatePassword, parseEnvFile, formatEnvFile, passwordVar, PASSWORD_PATTERN } from "./credentials.js";
import { renderNatsConfig } from "./render.js";

describe("nats-server config rendering", () => {
  it("references passwords through the environment by default, so the file holds no secret", () => {
    const text = renderNatsConfig({ evaluators: ["x"] });
    expect(text).toContain("password: $HARNESS_NATS_PASSWORD_GENERATOR");
    expect(text).toContain("password: $HARNESS_NATS_PASSWORD_EVALUATOR_X");
    expect(text).toMatch(/^authorization \{$/m);
    expect(text).not.toMatch(/^port:/m);
  });

  it("quotes every subject, since an unquoted $JS would read as a variable", () => {
    const text = renderNatsConfig();
    expect(text).toContain('"$JS.API.INFO"');
    expect(text).not.toMatch(/^\s+\$JS/m);
  });

  it("inlines given passwords and refuses to render a user without one", () => {
    const passwords = { supervisor: "s".repeat(16), planner: "p".repeat(16), generator: "g".repeat(16), evaluator: "e".repeat(16) };
    expect(renderNatsConfig({ passwords })).toContain(`password: "${"g".repeat(16)}"`);
    expect(() => renderNatsConfig({ passwords, evaluators: ["x"] })).toThrow(/evaluator-x/);
    expect(() => renderNatsConfig({ passwords: { ...passwords, planner: 'a"b' } })).toThrow();
  });

  it("adds listen ports, monitoring and a JetStream store when asked for a whole server config", () => {
    const text = renderNatsConfig({ server: { port: 4333, storeDir: "/var/js" } });
    expect(text).toMatch(/^port: 4333$/m);
    expect(text).toMatch(/^http_port: 8222$/m);
    expect(text).toContain('store_dir: "/var/js"');
  });

  it("renders the same text for the same options", () => {
    expect(renderNatsConfig({ evaluators: ["x"] })).toBe(renderNatsConfig({ evaluators: ["x"] }));
  });
});

describe("credentials", () => {
  it("generates distinct passwords that survive nats-server's re-parsing of environment values", () => {
    const all = Array.from({ length: 200 }, () => generatePassword());
    expect(new Set(all).size).toBe(200);
    for (const p of all) expect(p).toMatch(PASSWORD_PATTERN);
  });

  it("names each user's password variable after the user", () => {
    expect(passwordVar("evaluator-my-check")).toBe("HARNESS_NATS_PASSWORD_EVALUATOR_MY_CHECK");
  });

  it("reads back the env files it writes, comments and all", () => {
    const text = formatEnvFile({ A: "1", B: "xyz" }, "header\nsecond line");
    expect(text.startsWith("# header\n# second line\n")).toBe(true);
    expect(parseEnvFile(`${text}\nC="quoted"\n`)).toEqual({ A: "1", B: "xyz", C: "quoted" });
  });
});
