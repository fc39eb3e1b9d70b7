import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceHeartbeat } from "@harness/contracts";
import { describe, expect, it } from "vitest";
import { ServiceRegistry } from "../services/supervisor/src/registry.js";
import { DEFAULT_STALL_AFTER_MS } from "../services/supervisor/src/watchdog.js";

// The published protocol states two of the supervisor's timings for evaluators in any language;
// the protocol package cannot import a service, so they are held to the supervisor here.
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const asyncapi = JSON.parse(readFileSync(join(root, "packages", "contracts", "asyncapi.json"), "utf8")) as { "x-harness": { timing: { heartbeatLivenessMs: number; supervisorStallMs: number } } };
const guide = readFileSync(join(root, "docs", "evaluator-protocol.md"), "utf8");
const { heartbeatLivenessMs, supervisorStallMs } = asyncapi["x-harness"].timing;

describe("the protocol's timings are the supervisor's", () => {
  it("counts an evaluator live exactly as long after its last heartbeat as the protocol says", () => {
    const registry = new ServiceRegistry();
    const at = Date.parse("2026-01-01T00:00:00.000Z");
    const beat: ServiceHeartbeat = {
      type: "service.heartbeat", schemaVersion: 1, role: "evaluator", name: "license", instance: "license-0", version: "1.0.0",
      inFlight: 0, capacity: 1, startedAt: new Date(at).toISOString(), time: new Date(at).toISOString(),
    };
    registry.record(beat, at);
    expect(registry.list(at + heartbeatLivenessMs).map((e) => e.alive)).toEqual([true]);
    expect(registry.list(at + heartbeatLivenessMs + 1).map((e) => e.alive)).toEqual([false]);
    expect(guide).toContain(`live while its last beat is under\n${heartbeatLivenessMs / 1000} s old`);
  });

  it("states the stall watchdog's default", () => {
    expect(supervisorStallMs).toBe(DEFAULT_STALL_AFTER_MS);
    expect(guide).toContain(`for ${DEFAULT_STALL_AFTER_MS / 60_000} minutes (\`SUPERVISOR_STALL_MS\`)`);
  });
});
