import { describe, expect, it } from "vitest";
import { CreateRunRequest, RunOptions } from "@harness/contracts";
import { runOptions } from "./runs.js";

/** As the supervisor reads a create-run request: the body's schema, then the options' defaults. */
const asCreated = (flags: Parameters<typeof runOptions>[0]) =>
  RunOptions.parse(CreateRunRequest.parse({ prompt: "p", options: runOptions(flags) }).options ?? {});

describe("cli run options", () => {
  it("--budget sets the spend limit only: the token and wall-clock limits keep their defaults", () => {
    expect(runOptions({ budget: 5 })).toEqual({ budget: { maxCostUsd: 5 } });
    expect(asCreated({ budget: 5 }).budget).toEqual({ maxCostUsd: 5, maxTokens: 20_000_000, maxWallClockMs: 6 * 3_600_000 });
  });

  it("sends no option the user did not give", () => {
    expect(runOptions({ follow: true })).toEqual({});
    expect(asCreated({})).toEqual(RunOptions.parse({}));
  });

  it("sends the flags that were given, with models per role", () => {
    expect(runOptions({ sprints: 2, attempts: 4, finalAttempts: 3, evaluators: "core, a11y", model: ["judge=claude-x"], constraints: "SQLite" })).toEqual({
      maxSprints: 2, maxAttemptsPerSprint: 4, finalAttempts: 3, evaluators: ["core", "a11y"], models: { judge: { model: "claude-x" } }, constraints: "SQLite",
    });
    expect(() => runOptions({ model: ["judge"] })).toThrow('--model takes role=model-id (got "judge")');
  });

  it("--gates makes the run wait for a person at the spec, the contracts, or both", () => {
    expect(asCreated({ gates: "spec" }).gates).toEqual({ approveSpec: true, approveContracts: false });
    expect(asCreated({ gates: "contracts, spec" }).gates).toEqual({ approveSpec: true, approveContracts: true });
    expect(() => runOptions({ gates: "build" })).toThrow('--gates takes spec and/or contracts, comma-separated (got "build")');
  });

  it("--no-explore turns exploratory QA off for the run, leaving its budget at the defaults", () => {
    expect(asCreated({}).explore.enabled).toBe(true);
    expect(asCreated({ noExplore: true }).explore).toEqual({ enabled: false, maxTurns: 20, maxTokens: 400_000, maxSeconds: 300, maxFindings: 5 });
  });
});
