import { describe, expect, it } from "vitest";
import { Check, type BrowserStep, type Feature } from "@harness/contracts";
import { findingOf, Reproduction, reproductionProblems, type FindingReport } from "./guard.js";
import { ProductKnowledge } from "./knowledge.js";
import { controlOf } from "./replay.js";

/*
 * Reproductions that fail on ANY product, correct or not, must never confirm a finding. Each case
 * here passed the guard before it learnt what a reproduction may lean on (knowledge.ts).
 */
const FEATURES: Feature[] = [{ id: "F1", title: "Keep items", userStory: "As a user I add items; GET /api/items/:id reads one", acceptanceCriteria: [{ id: "F1.1", text: "an added item is listed with \"1 item\" shown" }] }];
const CONTRACT: Check[] = [
  Check.parse({ id: "create", kind: "http", description: "d", method: "POST", path: "/api/items", body: { name: "Lamp" }, expectStatus: 201, then: [{ method: "GET", path: "/api/items", expectStatus: 200, expectBodyContains: ["Lamp"] }] }),
  Check.parse({ id: "ui", kind: "browser", description: "d", steps: [{ action: "goto", path: "/" }, { action: "fill", selector: "#name", value: "Chair" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items", text: "Chair" }] }),
];
const known = () => new ProductKnowledge(FEATURES, CONTRACT, "Shelf: items you keep");

const problemsOf = (reproduction: unknown, k = known()) => {
  const report: FindingReport = { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse(reproduction) };
  return reproductionProblems(findingOf("explore-1", report), FEATURES, k).join("\n");
};
const browser = (steps: BrowserStep[]) => ({ kind: "browser", steps });
const ADD: BrowserStep[] = [{ action: "goto", path: "/" }, { action: "fill", selector: "#name", value: "Milk" }, { action: "click", selector: "#add" }, { action: "expectText", selector: "#items", text: "Milk", exact: false }];

describe("exploratory QA guard - reproductions that would fail on any product are refused", () => {
  it("refuses an http request to a path or method the product has no route for, and accepts the contract's and the spec's routes", () => {
    expect(problemsOf({ kind: "http", method: "GET", path: "/api/itmes", expectStatus: 200 })).toMatch(/GET \/api\/itmes is not a route the contract uses, the spec documents or the product answered/);
    expect(problemsOf({ kind: "http", method: "PATCH", path: "/api/items", expectStatus: 200 })).toMatch(/PATCH \/api\/items is not a route/);
    // A misspelt path later in a sequence is refused too.
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/items", body: { name: "x" }, expectStatus: 201, capture: { id: "$.id" }, then: [{ method: "GET", path: "/api/item/{{id}}", expectStatus: 200 }] })).toMatch(/GET \/api\/item\/\{\{id\}\} is not a route/);
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/items", body: { name: "x" }, expectStatus: 201 })).toBe("");
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/items", body: { name: "x" }, expectStatus: 201, capture: { id: "$.id" }, then: [{ method: "GET", path: "/api/items/{{id}}?full=1", expectStatus: 200 }] })).toBe("");
  });

  it("accepts reading or deleting an item of a known collection by an id the product answered, not one of a misspelt collection", () => {
    const create = { kind: "http", method: "POST", path: "/api/items", body: { name: "x" }, expectStatus: 201, capture: { id: "$.id" } };
    expect(problemsOf({ ...create, then: [{ method: "DELETE", path: "/api/items/{{id}}", expectStatus: 204 }, { method: "GET", path: "/api/items/{{id}}", expectStatus: 200 }] })).toBe("");
    expect(problemsOf({ ...create, then: [{ method: "GET", path: "/api/itmes/{{id}}", expectStatus: 200 }] })).toMatch(/GET \/api\/itmes\/\{\{id\}\} is not a route/);
    expect(problemsOf({ ...create, then: [{ method: "PATCH", path: "/api/items/{{id}}", expectStatus: 200 }] })).toMatch(/PATCH \/api\/items\/\{\{id\}\} is not a route/);
  });

  it("takes an expected text from the product's own source as something it can show", () => {
    const withSource = new ProductKnowledge(FEATURES, CONTRACT, "Shelf", ["throw new ItemError(400, 'name must not be empty');"]);
    expect(problemsOf(browser([...ADD, { action: "expectText", selector: "body", text: "name must not be empty", exact: false }]), withSource)).toBe("");
    expect(problemsOf(browser([...ADD, { action: "expectText", selector: "body", text: "name is required", exact: false }]), withSource)).toMatch(/expects the text "name is required", which appears nowhere/);
  });

  it("accepts a route the product answered while explored, not one it answered 404", () => {
    const k = known();
    k.served("GET", "/api/stats?x=1", 200);
    k.served("GET", "/api/nothing", 404);
    expect(problemsOf({ kind: "http", method: "GET", path: "/api/stats", expectStatus: 200 }, k)).toBe("");
    expect(problemsOf({ kind: "http", method: "GET", path: "/api/nothing", expectStatus: 200 }, k)).toMatch(/is not a route/);
  });

  it("refuses a browser reproduction that only opens a page and asserts, or acts on the whole page", () => {
    expect(problemsOf(browser([{ action: "goto", path: "/" }, { action: "expectText", selector: "body", text: "Shelf", exact: false }]))).toMatch(/never interacts with the product/);
    expect(problemsOf(browser([{ action: "goto", path: "/" }, { action: "reload" }, { action: "expectNoText", selector: "body", text: "Shelf" }]))).toMatch(/never interacts with the product/);
    expect(problemsOf(browser([{ action: "goto", path: "/" }, { action: "click", selector: "body" }, { action: "expectText", selector: "body", text: "Shelf", exact: false }]))).toMatch(/never interacts with the product/);
  });

  it("refuses a final expectation taken from nowhere, and accepts one the spec, the contract, the product or the reproduction's own input supplies", () => {
    const expectBody = (text: string) => problemsOf(browser([...ADD, { action: "expectText", selector: "body", text, exact: false }]));
    expect(expectBody("Item saved successfully!")).toMatch(/expects the text "Item saved successfully!", which appears nowhere in the spec, the contract, the product.s source, what the product showed/);
    expect(expectBody("1 item")).toBe(""); // the criterion promises it
    expect(expectBody("chair")).toBe(""); // the contract's own value, compared ignoring case
    expect(expectBody("Milk")).toBe(""); // what the reproduction typed
    const k = known();
    k.shown("Saved.   3 items on your shelf");
    expect(problemsOf(browser([...ADD, { action: "expectText", selector: "body", text: "3 items on your shelf", exact: false }]), k)).toBe("");
    expect(problemsOf(browser([...ADD, { action: "expectTextMatches", selector: "#items", pattern: "^Total: \\d+ kg$" }]))).toMatch(/expects text matching "\/\^Total/);
    expect(problemsOf(browser([...ADD, { action: "expectTextMatches", selector: "#items", pattern: "\\d+ items?" }]))).toBe("");
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/items", body: { name: "x" }, expectStatus: 201, expectBodyContains: ["created successfully"] })).toMatch(/expects a body containing "created successfully"/);
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/items", body: { name: "Tea" }, expectStatus: 201, json: [{ path: "$.name", equals: "Tea" }], capture: { id: "$.id" }, then: [{ method: "GET", path: "/api/items/{{id}}", expectStatus: 200, json: [{ path: "$.id", equals: "{{id}}" }, { path: "$.name", equals: "Tea" }] }] })).toBe("");
    expect(problemsOf({ kind: "http", method: "POST", path: "/api/items", body: { name: "Tea" }, expectStatus: 201, json: [{ path: "$.status", equals: "brewing" }] })).toMatch(/expects \$\.status to hold "brewing"/);
  });

  it("replays a negative final assertion once more without the reproduction's interactions, as its control; a positive one has none", () => {
    const negative = findingOf("explore-1", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse(browser([...ADD, { action: "reload" }, { action: "expectNoText", selector: "body", text: "Shelf" }])) }).check;
    expect(controlOf(negative)).toMatchObject({ steps: [{ action: "goto", path: "/" }, { action: "reload" }, { action: "expectNoText", selector: "body", text: "Shelf" }] });
    const zero = findingOf("explore-2", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse(browser([...ADD, { action: "expectCount", selector: "#items", count: 0 }])) }).check;
    expect(controlOf(zero)).toMatchObject({ steps: [{ action: "goto" }, { action: "expectCount", count: 0 }] });
    const positive = findingOf("explore-3", { title: "t", description: "d", criterionIds: ["F1.1"], reproduction: Reproduction.parse(browser([...ADD, { action: "expectText", selector: "#items", text: "Milk", exact: false }])) }).check;
    expect(controlOf(positive)).toBeUndefined();
  });
});
