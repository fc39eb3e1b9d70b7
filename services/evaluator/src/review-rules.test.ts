import { describe, expect, it } from "vitest";
import { Feature, SprintContract } from "@harness/contracts";
import { contractProblems, isPresenceOnly } from "./review-rules.js";

const contract = (checks: unknown[], extra: Record<string, unknown> = {}) => SprintContract.parse({
  sprint: 1, summary: "todos", deliverables: [{ id: "D1", description: "add todos", featureIds: ["F1"] }], checks, ...extra,
});
const feature = (id: string, title: string) => Feature.parse({ id, title, userStory: `As a user I ${title.toLowerCase()}`, acceptanceCriteria: [`${title} works`] });
const F1 = feature("F1", "Add todos");
const APP = { app: { startCommand: "node server.js", port: 3000 } };
const http = (id: string, over: Record<string, unknown> = {}) => ({ id, kind: "http", description: id, path: "/api/todos", expectStatus: 200, deliverableIds: ["D1"], ...over });

describe("review rules - enforced by code whatever the model thinks", () => {
  it("rejects a deliverable proven only by presence checks", () => {
    const c = contract([
      { id: "exists", kind: "command", description: "file exists", command: "test -f server.js", deliverableIds: ["D1"] },
      { id: "button", kind: "browser", description: "has a button", deliverableIds: ["D1"], steps: [{ action: "goto", path: "/" }, { action: "expectVisible", selector: "#add" }] },
    ], APP);
    expect(contractProblems(c, [F1])).toEqual([
      "deliverable D1 is proven only by presence checks (exists, button); add a check that exercises its behaviour (a command that asserts its output, an http request that asserts the body or JSON, a browser check that interacts and asserts the effect)",
      "feature F1 (\"Add todos\"), planned for sprint 1, is named only by D1, which no behavioural check proves; add a check that exercises its acceptance criteria",
    ]);
  });

  it("accepts a browser check that clicks and asserts the effect", () => {
    const c = contract([{ id: "add", kind: "browser", description: "adds", deliverableIds: ["D1"], steps: [{ action: "goto", path: "/" }, { action: "click", selector: "#add" }, { action: "expectCount", selector: "li", count: 1 }] }], APP);
    expect(contractProblems(c, [F1])).toEqual([]);
  });

  it("counts a presence command with output assertions as behaviour, and a rubric alone as presence", () => {
    expect(isPresenceOnly({ id: "x", kind: "command", description: "d", deliverableIds: [], command: "cat out.txt", expectExitCode: 0, expectOutput: [{ stream: "both", contains: "42" }], timeoutMs: 1_000 })).toBe(false);
    expect(isPresenceOnly({ id: "r", kind: "rubric", description: "d", deliverableIds: [], criterion: "design", guidance: "", threshold: 7 })).toBe(true);
  });

  it("flags unproven deliverables, unknown deliverable ids, duplicate ids, weak thresholds and app checks without an app", () => {
    const c = contract([
      { id: "h", kind: "http", description: "list", path: "/api", expectStatus: 200, deliverableIds: ["D9"] },
      { id: "h", kind: "rubric", description: "looks", criterion: "design", threshold: 3, deliverableIds: [] },
    ]);
    expect(contractProblems(c, [])).toEqual([
      "check h names D9, which is not a deliverable",
      "check id h is used twice",
      "rubric criterion h (\"design\") has threshold 3/10; a threshold under 5 passes poor work",
      "deliverable D1 has no check that proves it",
      "http and browser checks need an `app` section with the start command, port and readiness path",
    ]);
  });

  it("counts an http check that asserts only the status as presence: a stub answers 200 too", () => {
    const statusOnly = contract([http("home", { path: "/", expectHeaders: { "content-type": "text/html" } })], APP);
    expect(contractProblems(statusOnly, [F1])).toContain("deliverable D1 is proven only by presence checks (home); add a check that exercises its behaviour (a command that asserts its output, an http request that asserts the body or JSON, a browser check that interacts and asserts the effect)");
    expect(contractProblems(contract([http("list", { expectBodyContains: ["Buy milk"] })], APP), [F1])).toEqual([]);
    expect(contractProblems(contract([http("create", { method: "POST", body: { title: "x" }, expectStatus: 201, expectJson: { title: "x" } })], APP), [F1])).toEqual([]);
  });

  it("counts a refusal the app decides as behaviour through its status alone, and a stub's answers as presence", () => {
    expect(contractProblems(contract([http("rejects-empty", { method: "POST", body: {}, expectStatus: 400 })], APP), [F1])).toEqual([]);
    for (const stub of [http("missing", { path: "/api/todos/nope", expectStatus: 404 }), http("created", { method: "POST", body: { title: "x" }, expectStatus: 201 }), http("head", { method: "HEAD", path: "/" })]) {
      expect(contractProblems(contract([stub], APP), [F1])[0]).toMatch(new RegExp(`^deliverable D1 is proven only by presence checks \\(${stub.id}\\)`));
    }
  });

  it("rejects a contract that silently drops a feature planned for the sprint, naming the feature", () => {
    const c = contract([http("list", { expectJson: { "[0].title": "Buy milk" } })], APP);
    expect(contractProblems(c, [F1, feature("F2", "Tick todos off")])).toEqual([
      "feature F2 (\"Tick todos off\"), planned for sprint 1, is covered by no deliverable; add a deliverable with \"featureIds\": [\"F2\"] and a check that exercises its acceptance criteria",
    ]);
    const covered = SprintContract.parse({ ...c, deliverables: [...c.deliverables, { id: "D2", description: "tick todos", featureIds: ["F2"] }], checks: [...c.checks, http("toggle", { method: "POST", path: "/api/todos/1/toggle", expectJson: { done: true }, deliverableIds: ["D2"] })] });
    expect(contractProblems(covered, [F1, feature("F2", "Tick todos off")])).toEqual([]);
  });
});
