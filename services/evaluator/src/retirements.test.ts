import { describe, expect, it } from "vitest";
import { SprintContract, type RegressionSet } from "@harness/contracts";
import { retirementProblems } from "./retirements.js";

const accepted: RegressionSet[] = [{
  sprint: 1,
  checks: [{ id: "api-list", kind: "http", description: "lists", method: "GET", path: "/api/items", headers: {}, expectStatus: 200, expectHeaders: {}, expectBodyContains: ["milk"], expectBodyNotContains: [], expectBody: [], expectJson: {}, json: [], capture: {}, then: [], deliverableIds: ["D1"] }],
}];

function contract(retire: unknown[]): SprintContract {
  return SprintContract.parse({
    sprint: 3, summary: "s3", deliverables: [{ id: "D1", description: "d" }],
    checks: [{ id: "c1", kind: "command", description: "tests", command: "node test.js", deliverableIds: ["D1"] }],
    retire,
  });
}

describe("review rule - retiring an earlier sprint's accepted check", () => {
  it("accepts a retirement that names an accepted check and says why", () => {
    expect(retirementProblems(contract([{ sprint: 1, checkId: "api-list", reason: "the list moved to /api/v2/items in this sprint" }]), accepted)).toEqual([]);
  });

  it("accepts a contract that retires nothing", () => {
    expect(retirementProblems(contract([]), accepted)).toEqual([]);
  });

  it.each([
    ["a check the sprint never had", { sprint: 1, checkId: "api-gone", reason: "the list moved to /api/v2/items" }, "sprint 1 has no accepted check api-gone (its accepted checks: api-list)"],
    ["a sprint with no accepted checks", { sprint: 2, checkId: "api-list", reason: "the list moved to /api/v2/items" }, "sprint 2 has no accepted checks"],
    ["its own or a later sprint", { sprint: 3, checkId: "c1", reason: "the list moved to /api/v2/items" }, "only an earlier sprint's accepted check can be retired"],
    ["a reason that says nothing", { sprint: 1, checkId: "api-list", reason: "obsolete" }, "say why the check no longer holds"],
  ])("refuses retiring %s, naming it", (_what, retirement, message) => {
    const problems = retirementProblems(contract([retirement]), accepted);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`retirement of sprint ${retirement.sprint}'s check ${retirement.checkId}`);
    expect(problems[0]).toContain(message);
  });

  it("refuses the same retirement listed twice", () => {
    const r = { sprint: 1, checkId: "api-list", reason: "the list moved to /api/v2/items" };
    expect(retirementProblems(contract([r, r]), accepted)).toEqual(["retirement of sprint 1's check api-list is listed twice: list it once"]);
  });

  it("refuses a retirement without a reason when the contract is parsed", () => {
    expect(SprintContract.safeParse({ ...contract([]), retire: [{ sprint: 1, checkId: "api-list", reason: "  " }] }).success).toBe(false);
  });
});
