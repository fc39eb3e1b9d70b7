import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CreateRunRequest, EvaluationRequested, EventMessage, MESSAGE_SCHEMAS, ProductSpec, renderJsonSchemas, RunOptions, workSubject, eventSubjectOf } from "./index.js";

const schemasDir = join(import.meta.dirname, "..", "schemas");
const base = { id: "m1", schemaVersion: 1, runId: "r1", sprint: 1, attempt: 1, causationId: null, producer: { role: "supervisor", instance: "s" }, time: "2026-01-01T00:00:00.000Z" };
const contract = { sprint: 1, summary: "s", deliverables: [{ id: "D1", description: "d" }], checks: [{ id: "c", kind: "command", description: "t", command: "npm test" }] };
const artifact = { name: `sha256-${"b".repeat(64)}`, digest: "b".repeat(64), size: 1 };

describe("contracts", () => {
  it("keeps the exported JSON Schemas in step with the zod schemas (run `pnpm schemas` after a change)", () => {
    const rendered = renderJsonSchemas();
    const onDisk = readdirSync(schemasDir).filter((f) => f.endsWith(".schema.json")).sort();
    expect(onDisk).toEqual(Object.keys(rendered).sort());
    for (const [file, text] of Object.entries(rendered)) expect(readFileSync(join(schemasDir, file), "utf8"), file).toBe(text);
    expect(Object.keys(rendered)).toHaveLength(Object.keys(MESSAGE_SCHEMAS).length);
  });

  it("gives evaluation work no place for the generator's notes: an extra field is a validation error", () => {
    const ok = { ...base, type: "evaluation.requested", payload: { specExcerpt: { title: "t", overview: "o", features: [] }, contract, artifact } };
    expect(EvaluationRequested.safeParse(ok).success).toBe(true);
    const leaked = { ...ok, payload: { ...ok.payload, notes: "I think it works" } };
    const r = EvaluationRequested.safeParse(leaked);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("notes");
  });

  it("rejects a spec whose feature has no acceptance criteria", () => {
    const spec = { title: "t", overview: "o", features: [{ id: "F1", title: "f", userStory: "u", acceptanceCriteria: [] }], sprints: [{ number: 1, goal: "g", featureIds: ["F1"] }] };
    const r = ProductSpec.safeParse(spec);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["features", 0, "acceptanceCriteria"]);
  });

  it("fills run option defaults and refuses an empty prompt naming the field", () => {
    const o = RunOptions.parse({});
    expect(o.evaluators).toEqual(["core"]);
    expect(o.maxAttemptsPerSprint).toBe(3);
    const r = CreateRunRequest.safeParse({ prompt: "  " });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["prompt"]);
  });

  it("refuses ids that could not be a subject token", () => {
    const r = EventMessage.safeParse({ ...base, runId: "r1.>", type: "run.control", payload: { action: "pause" } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["runId"]);
  });

  it("routes work and events to their subjects, verdicts scoped by evaluator", () => {
    const evalMsg = EvaluationRequested.parse({ ...base, type: "evaluation.requested", payload: { specExcerpt: { title: "t", overview: "o", features: [] }, contract, artifact } });
    expect(workSubject(evalMsg, "a11y")).toBe("harness.work.evaluate.a11y");
    const verdict = EventMessage.parse({ ...base, type: "verdict.produced", payload: { verdict: { evaluator: "a11y", passed: true, criteria: [], summary: "" } } });
    expect(eventSubjectOf(verdict)).toBe("harness.events.r1.verdict.produced.evaluator.a11y");
  });
});
