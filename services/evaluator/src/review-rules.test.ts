import { describe, expect, it } from "vitest";
import { Feature, SprintContract } from "@harness/contracts";
import { contractProblems } from "./review-rules.js";
import { STRONG_CONTRACTS } from "./review/strong-contracts.js";
import { WEAK_SHAPES } from "./review/weak-shapes.js";

const FEATURES = [
  Feature.parse({ id: "F1", title: "Notes", userStory: "As a user I keep notes", acceptanceCriteria: ["a note can be added", "empty notes are refused"] }),
  Feature.parse({ id: "F2", title: "Search", userStory: "As a user I find notes", acceptanceCriteria: ["search finds a note"] }),
];

/** A contract around the shape's checks; F1.2 and F2.1 are proven by strong checks so only the shape can be at fault. */
function around(checks: Array<Record<string, unknown>>): SprintContract {
  return SprintContract.parse({
    sprint: 1, summary: "notes", app: { startCommand: "node server.js", port: 3000 },
    deliverables: [{ id: "D1", description: "notes", featureIds: ["F1"] }, { id: "D2", description: "search", featureIds: ["F2"] }],
    checks: [
      ...checks.map((c, i) => ({ id: `x${i + 1}`, description: `shape check ${i + 1}`, deliverableIds: ["D1"], criterionIds: ["F1.1"], ...c })),
      { id: "anchor-refuses", kind: "http", description: "empty refused", method: "POST", path: "/api/notes", body: { text: "" }, expectStatus: 400, expectBodyContains: ["text is required"], deliverableIds: ["D1"], criterionIds: ["F1.2"] },
      { id: "anchor-search", kind: "command", description: "search", command: "node cli.js search milk", expectOutput: [{ contains: "1 match: Buy milk" }], deliverableIds: ["D2"], criterionIds: ["F2.1"] },
    ],
  });
}

describe("review rules: weak shapes are refused, each for its reason", () => {
  it("holds at least 25 shapes", () => expect(WEAK_SHAPES.length).toBeGreaterThanOrEqual(25));
  for (const shape of WEAK_SHAPES) {
    it(`refuses ${shape.name} (by ${shape.by})`, () => {
      const problems = contractProblems(around(shape.checks), FEATURES);
      expect(problems.some((p) => shape.refusedFor.test(p)), `problems were:\n${problems.join("\n")}`).toBe(true);
    });
  }
  it("finds nothing wrong with the anchor checks alone plus a strong F1.1 check", () => {
    expect(contractProblems(around([{ kind: "command", command: "node cli.js add 'Buy milk' && node cli.js list", expectOutput: [{ matches: "^1\\. Buy milk$" }] }]), FEATURES)).toEqual([]);
  });
});

describe("review rules: strong contracts are approved", () => {
  it("holds at least 10 contracts", () => expect(STRONG_CONTRACTS.length).toBeGreaterThanOrEqual(10));
  for (const s of STRONG_CONTRACTS) {
    it(`approves ${s.name}`, () => {
      expect(contractProblems(SprintContract.parse(s.contract), s.features.map((f) => Feature.parse(f)))).toEqual([]);
    });
  }
});

describe("review rules: coverage", () => {
  it("names each feature the contract drops and each criterion no check names", () => {
    const c = SprintContract.parse({ sprint: 1, summary: "s", deliverables: [{ id: "D1", description: "d", featureIds: ["F1"] }],
      checks: [{ id: "adds", kind: "command", description: "adds", command: "node cli.js add 2 3", expectOutput: [{ equals: "5" }], deliverableIds: ["D1"], criterionIds: ["F1.1"] }] });
    expect(contractProblems(c, FEATURES)).toEqual([
      "feature F2 (\"Search\"), planned for sprint 1, is covered by no deliverable; add a deliverable with \"featureIds\": [\"F2\"] and a check that exercises its acceptance criteria",
      "acceptance criterion F1.2 (\"empty notes are refused\") is named by no check; add a behavioural check that exercises it, with \"criterionIds\": [\"F1.2\"]",
      "acceptance criterion F2.1 (\"search finds a note\") is named by no check; add a behavioural check that exercises it, with \"criterionIds\": [\"F2.1\"]",
    ]);
  });

  it("asks for an app section when http or browser checks need one", () => {
    const c = SprintContract.parse({ sprint: 1, summary: "s", deliverables: [{ id: "D1", description: "d", featureIds: ["F2"] }],
      checks: [{ id: "search", kind: "http", description: "d", method: "GET", path: "/api/search?q=milk", expectStatus: 200, json: [{ path: "$[0].text", equals: "Buy milk" }], deliverableIds: ["D1"], criterionIds: ["F2.1"] }] });
    expect(contractProblems(c, [FEATURES[1]!])).toEqual(["http and browser checks need an `app` section with the start command, port and readiness path"]);
  });
});
