import { connectBus, type Bus } from "@harness/bus";
import {
  BuildProduced, CONSUMERS, EvaluationRequested, EventMessage, GeneratorWork, PlanRequested, ReviewRequested, SUBJECTS,
  evaluatorConsumer, eventSubjectOf, workSubject, type WorkMessage,
} from "@harness/contracts";
import { useNatsServer } from "@harness/testkit";
import { headers } from "@nats-io/transport-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger } from "../packages/logger/src/index.js";
import { casesFrom, type Json } from "./support/chaos-mutate.js";
import { CASE_HEADER, trackOutcomes } from "./support/chaos-outcomes.js";
import { envelope, EVENT_SAMPLES, WORK_SAMPLES } from "./support/chaos-samples.js";

const nats = useNatsServer();
let bus: Bus;

beforeAll(async () => {
  bus = await connectBus({ ...nats.as(), name: "fuzz-bus", logger: createLogger("fuzz-bus", { level: "silent" }) });
  await bus.provision({ evaluators: ["core"] });
});
afterAll(async () => { await bus?.close(); });

interface Target { consumer: string; schema: z.ZodType; routes: Array<{ subject: string; type: string; payload: Json }> }

const work = (subject: string, type: string) => ({ subject, type, payload: WORK_SAMPLES[type] ?? null });
const TARGETS: Target[] = [
  { consumer: CONSUMERS.planner, schema: PlanRequested, routes: [work(SUBJECTS.workPlan, "plan.requested")] },
  { consumer: CONSUMERS.generator, schema: GeneratorWork, routes: [work(SUBJECTS.workContract, "contract.requested"), work(SUBJECTS.workBuild, "build.requested")] },
  { consumer: CONSUMERS.reviewer, schema: ReviewRequested, routes: [work(SUBJECTS.workReview, "review.requested")] },
  { consumer: evaluatorConsumer("core"), schema: EvaluationRequested, routes: [work(`${SUBJECTS.workEvaluatePrefix}.core`, "evaluation.requested")] },
  // Each event on its own subject: a verdict's names its evaluator.
  { consumer: CONSUMERS.supervisor, schema: EventMessage, routes: Object.entries(EVENT_SAMPLES).map(([type, payload]) => ({ subject: eventSubjectOf(envelope(type, payload) as EventMessage), type, payload })) },
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Mutated envelopes, envelopes cut short, and bytes that were never JSON; and envelopes as they
 * are, so the handled side is exercised however many mutations the subject check refuses.
 */
function cases(t: Target): fc.Arbitrary<{ subject: string; bytes: Uint8Array }> {
  const route = fc.constantFrom(...t.routes);
  const valid = route.map((r) => envelope(r.type, r.payload) as Json);
  return fc.tuple(route, fc.oneof(
    { weight: 2, arbitrary: valid.map((j) => encoder.encode(JSON.stringify(j))) },
    { weight: 8, arbitrary: casesFrom(valid).map((j) => encoder.encode(JSON.stringify(j))) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.nat()).map(([v, n]) => { const s = JSON.stringify(v); return encoder.encode(s.slice(0, n % s.length)); }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  )).map(([r, bytes]) => ({ subject: r.subject, bytes }));
}

/**
 * What the bus must do with these bytes on this subject, decided from the schema and contracts'
 * routing: handle them, or dead-letter them naming why. A mutation of the run id, the type or a
 * verdict's evaluator leaves a valid envelope off its own subject.
 */
function expected(t: Target, subject: string, bytes: Uint8Array): { handled: true } | { handled: false; reason: RegExp; at: string[] } {
  let json: unknown;
  try { json = JSON.parse(decoder.decode(bytes)); } catch { return { handled: false, reason: /^payload is not valid JSON/, at: [] }; }
  const parsed = t.schema.safeParse(json);
  if (parsed.success) {
    // Evaluation work here goes to the core evaluator, which is where workSubject sends it by default.
    const own = t.consumer === CONSUMERS.supervisor ? eventSubjectOf(parsed.data as EventMessage) : workSubject(parsed.data as WorkMessage);
    return own === subject ? { handled: true } : { handled: false, reason: /^subject does not match the envelope: /, at: [] };
  }
  const at = [...z.prettifyError(parsed.error).matchAll(/→ at (\S+)/g)].map((m) => `at ${m[1]}`);
  return { handled: false, reason: /^payload failed schema validation: /, at };
}

describe("fuzz - bus messages on every consumed subject", () => {
  for (const target of TARGETS) {
    it(`${target.consumer} handles what its schema accepts on its own subject and dead-letters everything else with the reason, then keeps consuming`, async () => {
      const tracker = trackOutcomes(bus, target.consumer, target.schema);
      let n = 0;
      try {
        await fc.assert(fc.asyncProperty(cases(target), async ({ subject, bytes }) => {
          const id = `${target.consumer}-${++n}`;
          const h = headers();
          h.set(CASE_HEADER, id);
          await bus.js.publish(subject, bytes, { headers: h });
          const outcome = await tracker.wait(id);
          const want = expected(target, subject, bytes);
          if (want.handled) {
            expect(outcome.kind).toBe("handled");
          } else {
            expect(outcome.kind).toBe("dead");
            const reason = outcome.kind === "dead" ? outcome.reason : "";
            expect(reason).toMatch(want.reason);
            // The reason is one line, capped; the first failing field always fits.
            if (want.at[0]) expect(reason).toContain(want.at[0]);
          }
        }), { numRuns: 1000 });

        const first = target.routes[0];
        if (!first) throw new Error("target without routes");
        const h = headers();
        h.set(CASE_HEADER, "alive");
        await bus.js.publish(first.subject, JSON.stringify(envelope(first.type, first.payload)), { headers: h });
        expect(await tracker.wait("alive")).toEqual({ kind: "handled" });
        // Every case ended exactly one way, exactly once.
        expect([...tracker.seen.values()].filter((o) => o.length !== 1)).toEqual([]);
        expect(tracker.seen.size).toBe(n + 1);
        // Both sides were exercised, and every dead letter is on file in the dead-letter stream.
        const dead = [...tracker.seen.values()].filter((o) => o[0]?.kind === "dead").length;
        expect(dead).toBeGreaterThan(50);
        expect(n + 1 - dead).toBeGreaterThan(20);
        const letters = (await bus.dlq.list({ limit: 10_000 })).filter((l) => l.consumer === target.consumer);
        expect(letters).toHaveLength(dead);
      } finally {
        await tracker.stop();
      }
    });
  }

  it("a message over the server's max payload is refused at publish, and the connection keeps working", async () => {
    const big = envelope("build.produced", { artifact: { name: `sha256-${"c".repeat(64)}`, digest: "c".repeat(64), size: 1 }, files: Array.from({ length: 60_000 }, (_, i) => `src/generated/file-${i}.ts`), notes: "" });
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    const before = (await bus.jsm.streams.info("HARNESS_EVENTS")).state.messages;
    await expect(bus.publish(BuildProduced, big as z.input<typeof BuildProduced>)).rejects.toThrow(/max.?payload|payload.*exceed/i);
    await expect(bus.js.publish(SUBJECTS.workPlan, new Uint8Array(2 * 1024 * 1024))).rejects.toThrow(/max.?payload|payload.*exceed/i);
    expect(bus.nc.isClosed()).toBe(false);
    const small = envelope("usage.recorded", EVENT_SAMPLES["usage.recorded"] ?? null);
    await bus.publish(EventMessage, small as z.input<typeof EventMessage>);
    expect((await bus.jsm.streams.info("HARNESS_EVENTS")).state.messages).toBe(before + 1);
  });
});
