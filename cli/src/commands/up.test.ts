import { describe, expect, it } from "vitest";
import { sandboxLine } from "./up.js";

describe("up banner sandbox line", () => {
  it("warns in userns mode that generated code can still read the user's own files", () => {
    const line = sandboxLine({ mode: "userns", reason: "not root: user namespaces" });
    expect(line).toContain("userns (not root: user namespaces)");
    expect(line).toContain("can still read your own files outside the hidden folders");
  });

  it("says commands are not sandboxed when the sandbox is off", () => {
    expect(sandboxLine({ mode: "off", reason: "HARNESS_SANDBOX=off" })).toContain("OFF: build and check commands are not sandboxed");
  });

  it("adds no warning in uid mode, where each workspace has its own uid", () => {
    expect(sandboxLine({ mode: "uid", reason: "running as root" })).toBe("  sandbox    uid (running as root)");
  });
});
