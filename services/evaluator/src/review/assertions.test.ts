import { describe, expect, it } from "vitest";
import { checkOutput } from "../checks/output.js";
import { provesTestsPassed, textHolds } from "./assertions.js";

describe("review assertions mean what the runners mean", () => {
  const texts = ["", "5", "sum: 5\nok", "# pass 3\n# fail 0", "Error: boom"];
  const assertions = [{ contains: "5" }, { notContains: "Error" }, { matches: "^ok$" }, { matches: "pass [1-9]" }, { contains: "" }];
  it("agrees with the command runner on every assertion and text", () => {
    for (const a of assertions) for (const t of texts) {
      expect(textHolds(a, t), `${JSON.stringify(a)} on ${JSON.stringify(t)}`).toBe(checkOutput([{ stream: "stdout", ...a }], t, "").length === 0);
    }
  });

  it("accepts a test-run assertion set only when it rejects a run of no tests and a run with a failure", () => {
    expect(provesTestsPassed([{ matches: "# pass [1-9]" }, { contains: "# fail 0" }])).toBe("node --test (TAP)");
    expect(provesTestsPassed([{ matches: "# pass [1-9]" }])).toBeUndefined();
    expect(provesTestsPassed([{ contains: "# fail 0" }])).toBeUndefined();
    expect(provesTestsPassed([{ matches: "[1-9]\\d* passing" }, { notContains: "failing" }])).toBe("mocha");
  });
});
