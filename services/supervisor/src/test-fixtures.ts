import { connectBus, type Bus } from "@harness/bus";
import { CONSUMERS, EVENT_PRODUCERS, EventMessage, RunOptions, holderKey, senderOf, type ProductSpec, type RunState, type SprintContract, type Verdict } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { randomId } from "@harness/runtime";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { createHandlers } from "./handlers.js";
import { createMetrics } from "./metrics.js";
import { ServiceRegistry } from "./registry.js";
import { RunCache } from "./run-cache.js";
import { startWatchdog, type Watchdog } from "./watchdog.js";

export const SPEC: ProductSpec = {
  title: "Tally", overview: "A counter", targetUsers: ["people"],
  features: [
    { id: "F1", title: "Count", userStory: "As a user I count", acceptanceCriteria: [{ id: "F1.1", text: "incrementing adds one" }] },
    { id: "F2", title: "Reset", userStory: "As a user I reset", acceptanceCriteria: [{ id: "F2.1", text: "reset sets zero" }] },
  ],
  sprints: [{ number: 1, goal: "count", featureIds: ["F1"] }, { number: 2, goal: "reset", featureIds: ["F2"] }],
};

export function contractFor(sprint: number): SprintContract {
  return {
    sprint, summary: `sprint ${sprint}`,
    deliverables: [{ id: "D1", description: "it works", featureIds: [`F${sprint}`] }],
    checks: [{ id: "c1", kind: "command", description: "tests pass", command: "npm test", deliverableIds: ["D1"], expectExitCode: 0, expectOutput: [], timeoutMs: 60_000 }],
  };
}

/** `reRan`: earlier sprints whose accepted check c1 the verdict re-ran as a regression (passing). */
export function verdict(passed: boolean, evaluator = "core", reRan: number[] = []): Verdict {
  return {
    evaluator, passed, summary: passed ? "ok" : "broken",
    criteria: [
      { checkId: "c1", kind: "command", description: "tests", score: passed ? 10 : 0, threshold: 10, passed, evidence: [{ kind: "output", summary: "exit 1", detail: "AssertionError: expected 0" }], feedback: passed ? "passed" : "npm test failed" },
      ...reRan.map((sprint) => ({ checkId: `s${sprint}:c1`, kind: "regression" as const, origin: { sprint, checkId: "c1" }, description: "tests", score: 10, threshold: 10, passed: true, evidence: [{ kind: "output" as const, summary: "exit 0" }], feedback: "passed" })),
    ],
  };
}

/** The passing final-acceptance verdict of a run whose sprints 1..last each accepted c1: it re-runs c1 of every sprint but the last (whose c1 is its contract's). */
export function finalPass(runId: string, last: number, evaluator = "core", attempt = 1): EventMessage {
  return ev(runId, "verdict.produced", { verdict: verdict(true, evaluator, Array.from({ length: last - 1 }, (_, i) => i + 1)) }, 0, attempt);
}

export const ART = { name: `sha256-${"a".repeat(64)}`, digest: "a".repeat(64), size: 10 };

export function options(over: Partial<RunOptions> = {}): RunOptions {
  return RunOptions.parse(over);
}

/** Builds a valid event the way a worker would. */
export function ev(runId: string, type: string, payload: unknown, sprint = 0, attempt = 0): EventMessage {
  return EventMessage.parse({
    id: randomId(), schemaVersion: 1, type, runId, sprint, attempt, causationId: null,
    producer: { role: producerOf(type, payload as Record<string, unknown>), instance: "t" }, time: new Date().toISOString(), payload,
  });
}

/**
 * `e` as a worker sends it about its work: caused by the last work the run gave the event's sender
 * (in the event's sprint, or outside sprints), as the supervisor holds a worker's reports (sender.ts).
 */
export function about(s: RunState, e: EventMessage): EventMessage {
  const holder = holderKey(senderOf(e));
  const sp = e.sprint > 0 ? s.sprints.find((x) => x.number === e.sprint) : undefined;
  const id = Object.entries({ ...s.given, ...sp?.given }).filter(([, to]) => to === holder).map(([w]) => w).at(-1);
  if (id === undefined) throw new Error(`run ${s.id} gave ${holder} no work${e.sprint > 0 ? ` in sprint ${e.sprint}` : ""}`);
  return { ...e, causationId: id };
}

/** The role that sends such an event (EVENT_PRODUCERS); a refusal without an evaluator: the generator's. */
function producerOf(type: string, payload: Record<string, unknown>): string {
  if (type === "work.failed" || type === "work.progress") return String(payload["role"]);
  if (type === "usage.recorded") return payload["role"] === "judge" ? "evaluator" : String(payload["role"]);
  if (type === "budget.exceeded") return payload["evaluator"] !== undefined ? "evaluator" : "generator";
  return (EVENT_PRODUCERS as Record<string, readonly string[]>)[type]?.[0] ?? "supervisor";
}

/**
 * Freezes a value and everything in it, so a test fails (TypeError in strict mode) the moment a
 * fold step writes to the state it started from: the fold keeps that state in its cache.
 */
export function deepFrozen<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFrozen(v);
  }
  return value;
}

export const TEST_TOKEN = "test-token-0123456789";

export interface TestSupervisor {
  bus: Bus;
  app: FastifyInstance;
  registry: ServiceRegistry;
  watchdog: Watchdog;
  /** The replica's run cache, for tests that look inside it. */
  cache: RunCache;
  close(): Promise<void>;
}

/**
 * One supervisor replica in this process: the fold consumer, the watchdog and the API, on a
 * real nats-server. Tests drive the API with inject().
 */
export async function startTestSupervisor(nats: string | { url: string; user?: string; pass?: string }, opts: {
  name?: string; stallAfterMs?: number; watchdogIntervalMs?: number; bodyLimit?: number; apiLog?: string[]; user?: string; pass?: string;
  /** Evaluators provisioned and accepted in runs' options besides core. */
  evaluators?: string[];
  /**
   * The watchdog tells runs waiting on an evaluator with no live instance (off unless given: most
   * tests play the workers by hand, heartbeats and all): the registry's listening time before it
   * may say so, and how long such a run waits before it fails (0: for good).
   */
  missingEvaluators?: { warmupMs: number; waitMs: number };
} = {}): Promise<TestSupervisor> {
  const logger = createLogger("supervisor", { level: process.env["SUPERVISOR_TEST_LOG"] ?? "silent" });
  // A test server's connect options (its admin by default), or user/pass for a server started from a config.
  const server = typeof nats === "string" ? { url: nats } : nats;
  const bus = await connectBus({ ...server, name: opts.name ?? "supervisor-test", logger, ...(opts.user !== undefined ? { user: opts.user, pass: opts.pass } : {}) });
  const evaluators = ["core", ...(opts.evaluators ?? [])];
  await bus.provision({ evaluators, ackWaitMs: 5_000 });
  const metrics = createMetrics();
  const registry = new ServiceRegistry(opts.missingEvaluators?.warmupMs);
  registry.start(bus);
  const cache = new RunCache();
  const handlers = createHandlers({ bus, logger, metrics, cache });
  const consumer = bus.consume(CONSUMERS.supervisor, EventMessage, (e, ctx) => handlers.onEvent(e, ctx), { concurrency: 8 });
  const watchdog = startWatchdog({ bus, logger, metrics, cache, stallAfterMs: opts.stallAfterMs ?? 3_600_000, intervalMs: opts.watchdogIntervalMs ?? 3_600_000,
    ...(opts.missingEvaluators ? { liveEvaluators: () => registry.liveEvaluators(), evaluatorWaitMs: opts.missingEvaluators.waitMs } : {}),
  });
  // apiLog collects the API's log lines, for tests about what is (not) logged.
  const apiLog = opts.apiLog;
  const apiLogger = apiLog ? createLogger("supervisor", { level: "info", destination: { write: (line: string) => { apiLog.push(line); } } }) : false;
  const app = await buildApp({ bus, apiToken: TEST_TOKEN, registry, metrics, logger: apiLogger, evaluators, ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}) });
  return {
    bus, app, registry, watchdog, cache,
    async close() {
      await watchdog.stop();
      await app.close();
      await consumer.stop();
      registry.stop();
      await bus.close();
    },
  };
}
