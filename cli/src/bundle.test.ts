import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { waitFor } from "@harness/testkit";
import { bundlePath, bundleServices } from "./bundle.js";

/** Commands of this process's children. */
function children(): string[] {
  try {
    return execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

describe("cli - service bundles", () => {
  it("finishes two bundles built at once, and leaves no esbuild process running after them", async () => {
    const started = Date.now();
    await Promise.all([bundleServices(["planner"]), bundleServices(["planner", "supervisor"])]);
    expect(statSync(bundlePath("planner")).mtimeMs).toBeGreaterThanOrEqual(started - 1_000);
    expect(statSync(bundlePath("supervisor")).mtimeMs).toBeGreaterThanOrEqual(started - 1_000);
    // Stopping esbuild signals its process; it is gone moments later (or <defunct>: ended, not yet reaped).
    await waitFor(() => children().every((c) => !c.includes("esbuild") || c.includes("<defunct>")), { what: "esbuild's process ended", timeoutMs: 10_000 });
  });
});
