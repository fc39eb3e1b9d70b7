import { describe, expect, it } from "vitest";
import type { BrowserStep, Feature } from "@harness/contracts";
import { findingOf, Reproduction, reproductionProblems, type FindingReport } from "./guard.js";
import { prefixOf } from "./replay.js";

const FEATURES: Feature[] = [{ id: "F2", title: "Remove items", userStory: "delete items", acceptanceCriteria: [{ id: "F2.1", text: "a deleted item stays gone" }] }];

const report = (steps: BrowserStep[], criterionIds = ["F2.1"]): FindingReport => ({ title: "t", description: "d", criterionIds, reproduction: { kind: "browser", steps } });
const problems = (r: FindingReport) => reproductionProblems(findingOf("explore-1", r), FEATURES);

const ADD: BrowserStep[] = [{ action: "goto", path: "/" }, { action: "fill", selector: "#name", value: "Milk" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items", text: "Milk", exact: false }];

describe("exploratory QA guard before replay", () => {
  it("accepts a reproduction that opens its page, names a known criterion and ends asserting on an element an earlier step proved", () => {
    expect(problems(report([...ADD, { action: "reload" }, { action: "expectNoText", selector: "#items", text: "Milk" }]))).toEqual([]);
  });

  it("refuses unknown criteria, a start without goto, a last step that asserts nothing and a lone assertion", () => {
    expect(problems(report([...ADD], ["F9.1"])).join()).toMatch(/unknown acceptance criteria F9\.1; name criteria of the features under test: F2\.1/);
    expect(problems(report(ADD.slice(1))).join()).toMatch(/must start with a goto/);
    expect(problems(report([...ADD, { action: "click", selector: "#add" }])).join()).toMatch(/the last step \(click\) must be the assertion that fails/);
    expect(problems(report([{ action: "expectNoConsoleErrors" }])).join()).toMatch(/needs steps before its failing assertion/);
  });

  it("refuses a failing assertion on a selector no earlier step proved matches, since a misspelt selector fails on a correct product too", () => {
    const typo = problems(report([...ADD, { action: "expectText", selector: "#item-list", text: "Milk", exact: false }]));
    expect(typo.join()).toMatch(/selector "#item-list" is not used by an earlier step that proves it matches/);
    // An earlier negative or zero-count step does not prove an element exists.
    const unproven = problems(report([{ action: "goto", path: "/" }, { action: "expectCount", selector: "li", count: 0 }, { action: "expectCount", selector: "li", count: 1 }]));
    expect(unproven.join()).toMatch(/selector "li" is not used/);
    // The page body always exists.
    expect(problems(report([...ADD, { action: "expectNoText", selector: "body", text: "Error" }]))).toEqual([]);
  });

  it("replays the reproduction without its final assertion or final request to prove every earlier step passes", () => {
    const browser = findingOf("explore-1", report([...ADD, { action: "reload" }, { action: "expectNoText", selector: "#items", text: "Milk" }])).check;
    expect(prefixOf(browser)).toMatchObject({ steps: [...ADD, { action: "reload" }] });
    const http = findingOf("explore-2", { title: "t", description: "d", criterionIds: ["F2.1"], reproduction: Reproduction.parse({
      kind: "http", method: "POST", path: "/api/items", body: { name: "x" }, expectStatus: 201, capture: { id: "$.id" },
      then: [{ method: "DELETE", path: "/api/items/{{id}}", expectStatus: 204 }, { method: "GET", path: "/api/items", expectStatus: 200, expectBodyNotContains: ["\"x\""] }],
    }) }).check;
    expect(http.kind === "http" && prefixOf(http)).toMatchObject({ path: "/api/items", then: [{ method: "DELETE" }] });
    expect(prefixOf({ ...http, then: [] } as typeof http)).toBeUndefined();
  });
});
