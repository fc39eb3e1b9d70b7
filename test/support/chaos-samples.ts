import type { ArtifactRef, Verdict } from "@harness/contracts";
import type { Json } from "./chaos-mutate.js";
import { tinyContract, tinySpec } from "./tiny-program.js";

/* One valid message of every type a service consumes: the seeds that fuzzing mutates. */

const spec = tinySpec("Fuzz", 2);
const contract = tinyContract(1);
const artifact: ArtifactRef = { name: `sha256-${"b".repeat(64)}`, digest: "b".repeat(64), size: 120 };
const verdict: Verdict = {
  evaluator: "core", passed: false, summary: "multiply adds",
  criteria: [{
    checkId: "unit-tests", kind: "command", description: "tests pass", score: 0, threshold: 10, passed: false,
    evidence: [{ kind: "output", summary: "exit 1", detail: "AssertionError: 7 !== 12", location: "test.js:4" }], feedback: "multiply(3,4) returned 7",
  }],
};
const excerpt = { title: spec.title, overview: spec.overview, features: spec.features.slice(0, 1) };
const usage = { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 3 };

let counter = 0;

export function envelope(type: string, payload: Json, runId = "fuzzrun"): Record<string, Json> {
  counter++;
  return {
    id: `fz-${counter}`, schemaVersion: 1, type, runId, sprint: 1, attempt: 1, causationId: null,
    producer: { role: "supervisor", instance: "fuzz" }, time: new Date(1_700_000_000_000).toISOString(), payload,
  };
}

const toJson = (v: unknown): Json => JSON.parse(JSON.stringify(v)) as Json;

export const WORK_SAMPLES: Record<string, Json> = {
  "plan.requested": { prompt: "a tally counter", maxSprints: 2, version: 1 },
  "contract.requested": toJson({ spec, sprintPlan: spec.sprints[0], round: 1 }),
  "build.requested": toJson({ spec, contract, base: artifact, feedback: [verdict], previousNotes: "left off at multiply" }),
  "review.requested": toJson({ specExcerpt: excerpt, contract, round: 1, maxRounds: 3 }),
  "evaluation.requested": toJson({ specExcerpt: excerpt, contract, artifact }),
};

export const EVENT_SAMPLES: Record<string, Json> = {
  "run.requested": { prompt: "a tally counter", options: {} },
  "spec.produced": toJson({ spec, version: 1 }),
  "contract.proposed": toJson({ contract, round: 1 }),
  "contract.reviewed": { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" },
  "build.produced": toJson({ artifact, files: ["lib.js", "test.js"], notes: "" }),
  "verdict.produced": toJson({ verdict }),
  "usage.recorded": { callId: "msg_1", role: "generator", model: "claude-sonnet-4-5", usage, costUsd: 0.001 },
  "work.failed": { role: "planner", work: "plan.requested", reason: "model output invalid" },
  "work.progress": { role: "evaluator", work: "evaluation.requested", elapsedMs: 120_000 },
  "budget.exceeded": { kind: "cost", limit: 1, used: 2 },
  "run.control": { action: "pause", comment: "lunch" },
  "run.transition": { from: "queued", to: "planning", decision: "plan" },
};
