import fc from "fast-check";
import type { Json } from "./chaos-mutate.js";

/* Valid request bodies of the supervisor's API, as fast-check arbitraries. */

const evaluatorName = fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/);
const modelRole = fc.constantFrom("planner", "generator", "evaluator", "judge");

export const runOptions = fc.record({
  maxSprints: fc.integer({ min: 1, max: 50 }),
  maxAttemptsPerSprint: fc.integer({ min: 1, max: 20 }),
  maxContractRounds: fc.integer({ min: 1, max: 10 }),
  evaluators: fc.array(evaluatorName, { minLength: 1, maxLength: 3 }),
  models: fc.dictionary(modelRole, fc.record({ model: fc.string({ minLength: 1, maxLength: 100 }), maxTokens: fc.integer({ min: 1, max: 128_000 }) }, { requiredKeys: [] })),
  budget: fc.record({
    maxCostUsd: fc.double({ min: 0.01, max: 100_000, noNaN: true }),
    maxTokens: fc.integer({ min: 1, max: 2_000_000_000 }),
    maxWallClockMs: fc.integer({ min: 1, max: 2_000_000_000 }),
  }, { requiredKeys: [] }),
  onBudgetExceeded: fc.constantFrom("pause", "fail"),
  gates: fc.record({ approveSpec: fc.boolean(), approveContracts: fc.boolean() }, { requiredKeys: [] }),
  constraints: fc.string({ maxLength: 200 }),
}, { requiredKeys: [] });

export const createRunBody = fc.record({
  prompt: fc.string({ minLength: 1, maxLength: 300 }).filter((s) => s.trim().length > 0),
  options: runOptions,
}, { requiredKeys: ["prompt"] }) as fc.Arbitrary<Json>;

export const controlBody = fc.record({ comment: fc.string({ maxLength: 300 }) }, { requiredKeys: [] }) as fc.Arbitrary<Json>;

/** Path and query values: plausible ones, edge numbers and anything printable. */
export const paramText = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.integer({ min: -5, max: 2 ** 53 }).map(String),
  fc.constantFrom("0", "-1", "1.5", "1e3", "NaN", "Infinity", "", " ", ".", "..", "%00", "../etc/passwd"),
);
