import { describe, expect, it } from "vitest";
import { BudgetPatch } from "@harness/contracts";
import { steerBody } from "./steer.js";

describe("cli steering bodies", () => {
  it("resume sends only the limits given, the time limit in milliseconds, as the API's budget patch", () => {
    const body = steerBody("resume", { budget: 9, minutes: 90 });
    expect(body).toEqual({ budget: { maxCostUsd: 9, maxWallClockMs: 5_400_000 } });
    expect(BudgetPatch.parse(body.budget)).toEqual(body.budget);
    expect(steerBody("resume", { tokens: 1_000_000, comment: "more room" })).toEqual({ comment: "more room", budget: { maxTokens: 1_000_000 } });
  });

  it("sends an empty body when nothing was given, and a comment only when one was", () => {
    expect(steerBody("pause", {})).toEqual({});
    expect(steerBody("approve", { comment: "looks right" })).toEqual({ comment: "looks right" });
  });

  it("refuses new limits with any control but resume, as a usage error", () => {
    expect(() => steerBody("pause", { budget: 5 })).toThrow("--budget, --tokens and --minutes go with resume, not pause");
    const thrown = (() => { try { steerBody("approve", { minutes: 5 }); return undefined; } catch (err) { return err; } })();
    expect(thrown).toMatchObject({ exitCode: 2, message: "--budget, --tokens and --minutes go with resume, not approve" });
  });
});
