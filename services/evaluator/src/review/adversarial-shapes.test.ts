import { describe, expect, it } from "vitest";
import { Feature, SprintContract } from "@harness/contracts";
import { contractProblems } from "../review-rules.js";
import { ADVERSARIAL_SHAPES, ADVERSARIAL_SHAPES_22, KNOWN_GAPS } from "./weak-shapes-adversarial.js";

const FEATURES = [
  Feature.parse({ id: "F1", title: "Notes", userStory: "As a user I keep notes", acceptanceCriteria: ["a note can be added", "empty notes are refused"] }),
  Feature.parse({ id: "F2", title: "Search", userStory: "As a user I find notes", acceptanceCriteria: ["search finds a note"] }),
];

/** Same harness as review-rules.test.ts: F1.2 and F2.1 are proven by strong anchors so only the shape can be at fault. */
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

describe("review rules: adversarial weak shapes are refused", () => {
  it("holds at least 15 shapes", () => expect(ADVERSARIAL_SHAPES.length).toBeGreaterThanOrEqual(15));
  for (const shape of [...ADVERSARIAL_SHAPES, ...ADVERSARIAL_SHAPES_22]) {
    it(`refuses ${shape.name} (by ${shape.by})`, () => {
      const problems = contractProblems(around(shape.checks), FEATURES);
      expect(problems.some((p) => shape.refusedFor.test(p)), `problems were:\n${problems.join("\n")}`).toBe(true);
    });
  }
});

describe("review rules: known gaps are still approved (a closed gap moves into the refused table)", () => {
  for (const shape of KNOWN_GAPS) {
    it(`approves ${shape.name}, because ${shape.reason}`, () => {
      expect(contractProblems(around(shape.checks), FEATURES)).toEqual([]);
    });
  }
});
