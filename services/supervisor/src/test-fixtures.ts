import { EventMessage, RunOptions, type ProductSpec, type SprintContract, type Verdict } from "@harness/contracts";
import { randomId } from "@harness/runtime";

export const SPEC: ProductSpec = {
  title: "Tally", overview: "A counter", targetUsers: ["people"],
  features: [
    { id: "F1", title: "Count", userStory: "As a user I count", acceptanceCriteria: ["incrementing adds one"] },
    { id: "F2", title: "Reset", userStory: "As a user I reset", acceptanceCriteria: ["reset sets zero"] },
  ],
  sprints: [{ number: 1, goal: "count", featureIds: ["F1"] }, { number: 2, goal: "reset", featureIds: ["F2"] }],
};

export function contractFor(sprint: number): SprintContract {
  return {
    sprint, summary: `sprint ${sprint}`,
    deliverables: [{ id: "D1", description: "it works", featureIds: [`F${sprint}`] }],
    checks: [{ id: "c1", kind: "command", description: "tests pass", command: "npm test", deliverableIds: ["D1"], expectExitCode: 0, expectOutput: [], timeoutMs: 60_000 }],
  };
}

export function verdict(passed: boolean, evaluator = "core"): Verdict {
  return {
    evaluator, passed, summary: passed ? "ok" : "broken",
    criteria: [{ checkId: "c1", kind: "command", description: "tests", score: passed ? 10 : 0, threshold: 10, passed, evidence: [{ kind: "output", summary: "exit 1", detail: "AssertionError: expected 0" }], feedback: passed ? "passed" : "npm test failed" }],
  };
}

export const ART = { name: `sha256-${"a".repeat(64)}`, digest: "a".repeat(64), size: 10 };

export function options(over: Partial<RunOptions> = {}): RunOptions {
  return RunOptions.parse(over);
}

/** Builds a valid event the way a worker would. */
export function ev(runId: string, type: string, payload: unknown, sprint = 0, attempt = 0): EventMessage {
  return EventMessage.parse({
    id: randomId(), schemaVersion: 1, type, runId, sprint, attempt, causationId: null,
    producer: { role: "generator", instance: "t" }, time: new Date().toISOString(), payload,
  });
}
