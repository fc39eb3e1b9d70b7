import { SCHEMA_VERSION, type PlanRequested, type RunControl, type VerdictProduced } from "@harness/contracts";
import { pino, type Logger } from "pino";
import { z } from "zod";
import { useNatsServer } from "@harness/testkit";
import { afterAll, beforeAll } from "vitest";
import { connectBus } from "../connect.js";
import type { Bus, ProvisionOptions } from "../types.js";

let counter = 0;
/** Ids unique within a test process, valid for contracts' Id. */
export function testId(prefix = "m"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

function envelope(runId: string) {
  return {
    id: testId(),
    schemaVersion: SCHEMA_VERSION,
    runId,
    sprint: 0,
    attempt: 0,
    causationId: null,
    producer: { role: "supervisor" as const, instance: "bus-test" },
    time: new Date().toISOString(),
  };
}

export function planRequested(runId = testId("run"), prompt = "a pixel-art sprite editor"): z.input<typeof PlanRequested> {
  return { ...envelope(runId), type: "plan.requested", payload: { prompt, maxSprints: 3, version: 1 } };
}

export function runControl(runId: string, comment: string): z.input<typeof RunControl> {
  return { ...envelope(runId), type: "run.control", payload: { action: "pause", comment } };
}

/** A passing verdict with no criteria: enough for routing, which reads only the evaluator. */
export function verdictProduced(runId: string, evaluator = "core"): z.input<typeof VerdictProduced> {
  return { ...envelope(runId), type: "verdict.produced", payload: { verdict: { evaluator, passed: true, criteria: [], summary: "all good" } } };
}

/** A minimal message for tests that exercise delivery rather than contracts. */
export const Job = z.object({ id: z.string().min(1), n: z.number().int() });
export type Job = z.infer<typeof Job>;

export function silentLogger(): Logger {
  return pino({ level: process.env["BUS_TEST_LOG"] ?? "silent" });
}

/** A bus for a test: a URL (a server without users) or a test server's connect options. */
export function testBus(server: string | { url: string; user?: string; pass?: string }, name = "bus-test"): Promise<Bus> {
  return connectBus({ ...(typeof server === "string" ? { url: server } : server), name, logger: silentLogger() });
}

/**
 * A nats-server for the test file and a provisioned bus on it: `use` gets the bus before the
 * file's tests, and it is closed after them.
 */
export function useProvisionedBus(use: (bus: Bus) => void, opts?: ProvisionOptions): void {
  const nats = useNatsServer();
  let bus: Bus | undefined;
  beforeAll(async () => {
    bus = await testBus(nats.as());
    await bus.provision(opts);
    use(bus);
  });
  afterAll(async () => { await bus?.close(); });
}
