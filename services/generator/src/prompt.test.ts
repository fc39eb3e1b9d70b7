import { describe, expect, it } from "vitest";
import { BuildRequested, ContractRequested } from "@harness/contracts";
import { buildPrompt, contractPrompt } from "./prompt.js";

const feature = (id: string, title: string) => ({ id, title, userStory: `As a user I ${title.toLowerCase()}`, acceptanceCriteria: [`${title}: criterion of ${id}`] });
const spec = {
  title: "Todos", overview: "a todo list",
  features: [feature("F1", "Add todos"), feature("F2", "Tick todos off"), feature("F3", "Share lists")],
  sprints: [{ number: 1, goal: "todos", featureIds: ["F1", "F2"] }, { number: 2, goal: "sharing", featureIds: ["F3"] }],
};
const contract = (featureIds: string[]) => ({
  sprint: 1, summary: "todos", deliverables: [{ id: "D1", description: "add todos", featureIds }],
  checks: [{ id: "t", kind: "command", description: "tests", command: "node test.js", deliverableIds: ["D1"] }],
});
const build = (featureIds: string[]) => BuildRequested.shape.payload.parse({ spec, contract: contract(featureIds) });

describe("generator prompts", () => {
  it("shows the builder every feature planned for the sprint with its acceptance criteria, not only those the contract names", () => {
    const prompt = buildPrompt(build(["F1"]), 1, 1);
    expect(prompt).toContain("Add todos: criterion of F1");
    expect(prompt).toContain("Tick todos off: criterion of F2");
    expect(prompt).not.toContain("Share lists");
    expect(prompt).toContain("Planned for this sprint but named by no deliverable of the contract: F2. Build them too.");
  });

  it("says nothing is missing when the contract names every planned feature", () => {
    const prompt = buildPrompt(build(["F1", "F2"]), 1, 2);
    expect(prompt).toContain("## Sprint 1, attempt 2: the agreed contract");
    expect(prompt).not.toContain("named by no deliverable");
  });

  it("shows the contract's proposer the sprint's features and the evaluator's change requests", () => {
    const payload = ContractRequested.shape.payload.parse({
      spec, sprintPlan: spec.sprints[0], round: 2,
      previous: { contract: contract(["F1"]), review: { approved: false, changeRequests: [{ target: "rules", request: "feature F2 (\"Tick todos off\"), planned for sprint 1, is covered by no deliverable" }] } },
    });
    const prompt = contractPrompt(payload, 1);
    expect(prompt).toContain("Tick todos off: criterion of F2");
    expect(prompt).toContain("## Acceptance criteria to cover (name each in the criterionIds of a behavioural check)\n- F1.1: Add todos: criterion of F1\n- F2.1: Tick todos off: criterion of F2\n\n");
    expect(prompt).toContain("## Acceptance criteria to cover (name each in the criterionIds of a behavioural check)\n- F1.1: Add todos: criterion of F1\n- F2.1: Tick todos off: criterion of F2\n\n");
    expect(prompt).toContain("- [rules] feature F2 (\"Tick todos off\"), planned for sprint 1, is covered by no deliverable");
  });
});
