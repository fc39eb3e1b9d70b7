import { describe, expect, it } from "vitest";
import { Feature, SprintContract } from "@harness/contracts";
import { findingOf, reproductionProblems } from "../explore/guard.js";
import { ProductKnowledge } from "../explore/knowledge.js";
import { contractProblems } from "../review-rules.js";
import { matchesSomeBounded, PatternOverrunError, SYNC_PATTERN_LIMIT_MS } from "./sync-patterns.js";

/*
 * Overlapping alternatives under a repetition (`(=|=)*`, `(a|a)*`) slip past the static check
 * (regex-safety.ts) and backtrack exponentially; before these were tried in a bounded worker, the
 * review hung for minutes on the pytest sample's run of `=`, and the guard for 70 s on 30 `a`s.
 */

const FEATURES = [Feature.parse({ id: "F1", title: "Notes", userStory: "s", acceptanceCriteria: ["a note can be added"] })];

const timed = <T>(work: () => T): { value: T; ms: number } => { const at = Date.now(); return { value: work(), ms: Date.now() - at }; };

describe("patterns the review and the guard try synchronously are bounded", () => {
  it("refuses a contract pattern with overlapping alternatives, naming the check, instead of freezing the review", () => {
    const contract = SprintContract.parse({ sprint: 1, summary: "s", deliverables: [{ id: "D1", description: "d", featureIds: ["F1"] }], checks: [
      { id: "suite", kind: "command", description: "tests", command: "npm test", deliverableIds: ["D1"], criterionIds: ["F1.1"], expectOutput: [{ matches: "(=|=)*!" }] }] });
    const { value: problems, ms } = timed(() => contractProblems(contract, FEATURES));
    expect(problems.join("\n")).toMatch(/check suite: the pattern \/\(=\|=\)\*!\/ did not finish within 1 s: it backtracks catastrophically .* when the review tried it on a sample output/);
    expect(ms).toBeLessThan(SYNC_PATTERN_LIMIT_MS * 10);
  }, 30_000);

  it("refuses an explorer's expectTextMatches pattern that backtracks on a long token the product showed, within the guard's limit", () => {
    const known = new ProductKnowledge(FEATURES);
    known.shown(`token ${"a".repeat(40)}`);
    const finding = findingOf("e1", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: { kind: "browser", steps: [
      { action: "goto", path: "/" }, { action: "fill", selector: "#note", value: "x" }, { action: "click", selector: "#add" },
      { action: "expectTextMatches", selector: "body", pattern: "(a|a)*!" }] } });
    const { value: problems, ms } = timed(() => reproductionProblems(finding, FEATURES, known));
    expect(problems.join("\n")).toMatch(/the pattern \/\(a\|a\)\*!\/ did not finish within 2 s: .* on the text the product showed/);
    expect(ms).toBeLessThan(15_000);
    // An ordinary pattern on the same knowledge is still tried (by a fresh worker) and anchors the assertion.
    const fine = findingOf("e2", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: { kind: "browser", steps: [
      { action: "goto", path: "/" }, { action: "fill", selector: "#note", value: "x" }, { action: "click", selector: "#add" },
      { action: "expectTextMatches", selector: "body", pattern: "TOKEN a{40}$" }] } });
    expect(reproductionProblems(fine, FEATURES, known)).toEqual([]);
  }, 30_000);

  it("answers ordinary trials at once, with flags, and throws PatternOverrunError (then recovers) for one that runs over", () => {
    expect(matchesSomeBounded("^b$", ["a\nb"], "m")).toBe(true);
    expect(matchesSomeBounded("^b$", ["a\nb"])).toBe(false);
    expect(matchesSomeBounded("B", ["x", "b"], "i")).toBe(true);
    expect(() => matchesSomeBounded("^(x+)+$", [`${"x".repeat(40)}!`], "", 300)).toThrow(PatternOverrunError);
    expect(matchesSomeBounded("x+!", [`${"x".repeat(40)}!`])).toBe(true);
  }, 30_000);
});
