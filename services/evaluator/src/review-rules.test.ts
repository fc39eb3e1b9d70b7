import { describe, expect, it } from "vitest";
import { SprintContract } from "@harness/contracts";
import { contractProblems, isPresenceOnly } from "./review-rules.js";

const contract = (checks: unknown[], extra: Record<string, unknown> = {}) => SprintContract.parse({
  sprint: 1, summary: "todos", deliverables: [{ id: "D1", description: "add todos" }], checks, ...extra,
});

describe("review rules - enforced by code whatever the model thinks", () => {
  it("rejects a deliverable proven only by presence checks", () => {
    const c = contract([
      { id: "exists", kind: "command", description: "file exists", command: "test -f server.js", deliverableIds: ["D1"] },
      { id: "button", kind: "browser", description: "has a button", deliverableIds: ["D1"], steps: [{ action: "goto", path: "/" }, { action: "expectVisible", selector: "#add" }] },
    ], { app: { startCommand: "node server.js", port: 3000 } });
    expect(contractProblems(c)).toEqual(["deliverable D1 is proven only by presence checks (exists, button); add a check that exercises its behaviour"]);
  });

  it("accepts a browser check that clicks and asserts the effect", () => {
    const c = contract([{ id: "add", kind: "browser", description: "adds", deliverableIds: ["D1"], steps: [{ action: "goto", path: "/" }, { action: "click", selector: "#add" }, { action: "expectCount", selector: "li", count: 1 }] }], { app: { startCommand: "node server.js", port: 3000 } });
    expect(contractProblems(c)).toEqual([]);
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
    expect(contractProblems(c)).toEqual([
      "check h names D9, which is not a deliverable",
      "check id h is used twice",
      "rubric criterion h (\"design\") has threshold 3/10; a threshold under 5 passes poor work",
      "deliverable D1 has no check that proves it",
      "http and browser checks need an `app` section with the start command, port and readiness path",
    ]);
  });
});
