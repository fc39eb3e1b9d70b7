import { describe, expect, it } from "vitest";
import { CORE_ONLY_EVENTS, EVENT_PRODUCERS, eventSubject, mayProduce, type EventType } from "@harness/contracts";
import { harnessUsers, type NatsUser } from "./roles.js";
import { permits, subjectMatches } from "./subjects.js";

const users = harnessUsers({ evaluators: ["x", "y"] });
const user = (name: string): NatsUser => {
  const u = users.find((c) => c.user === name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
};
const canPub = (name: string, subject: string) => permits(user(name).permissions, "publish", subject);
const canSub = (name: string, subject: string) => permits(user(name).permissions, "subscribe", subject);

describe("subject matching", () => {
  it("treats * as one token and > as one or more trailing tokens", () => {
    expect(subjectMatches("a.*.c", "a.b.c")).toBe(true);
    expect(subjectMatches("a.*.c", "a.b.b.c")).toBe(false);
    expect(subjectMatches("a.>", "a.b.c")).toBe(true);
    expect(subjectMatches("a.>", "a")).toBe(false);
    expect(subjectMatches("a.b", "a.b.c")).toBe(false);
  });
});

/** Every sender a subject can name: each role, and each evaluator by name. */
const SENDERS = [
  { role: "supervisor" }, { role: "planner" }, { role: "generator" },
  { role: "evaluator", evaluator: "core" }, { role: "evaluator", evaluator: "x" }, { role: "evaluator", evaluator: "y" },
] as const;
const userOf = (s: (typeof SENDERS)[number]) => ("evaluator" in s ? (s.evaluator === "core" ? "evaluator" : `evaluator-${s.evaluator}`) : s.role);

describe("event subjects from the one producer table", () => {
  it("let every user publish exactly the event types its role produces, only under its own role and name, on any run", () => {
    for (const u of users) {
      for (const type of Object.keys(EVENT_PRODUCERS) as EventType[]) {
        for (const sender of SENDERS) {
          const subject = eventSubject("r1", type, sender);
          const own = userOf(sender) === u.user;
          const expected = own && mayProduce(u.role, type) && !(u.evaluator !== undefined && u.evaluator !== "core" && CORE_ONLY_EVENTS.includes(type));
          expect([u.user, subject, canPub(u.user, subject)]).toEqual([u.user, subject, expected]);
        }
        // The form before senders were in subjects is nobody's to publish.
        expect([u.user, type, canPub(u.user, eventSubject("r1", type))]).toEqual([u.user, type, false]);
      }
    }
  });
});

describe("per-role NATS users", () => {
  it("creates one user per role plus one per custom evaluator", () => {
    expect(users.map((u) => u.user)).toEqual(["supervisor", "planner", "generator", "evaluator", "evaluator-x", "evaluator-y"]);
  });

  it("lets the generator publish its contracts and builds but never a verdict or a contract review", () => {
    expect(canPub("generator", "harness.events.r1.contract.proposed.generator")).toBe(true);
    expect(canPub("generator", "harness.events.r1.build.produced.generator")).toBe(true);
    expect(canPub("generator", "harness.events.r1.verdict.produced.evaluator.core")).toBe(false);
    expect(canPub("generator", "harness.events.r1.contract.reviewed.evaluator.core")).toBe(false);
  });

  it("keeps the generator's work and build events away from every evaluator", () => {
    for (const name of ["evaluator", "evaluator-x"]) {
      expect(canSub(name, "harness.work.generate.build")).toBe(false);
      expect(canSub(name, "harness.events.r1.build.produced.generator")).toBe(false);
      expect(user(name).permissions.publish.allow.some((a) => a.includes("HARNESS_EVENTS"))).toBe(false);
    }
  });

  it("lets a custom evaluator publish verdicts under its own name only, and pull only its own queue", () => {
    expect(canPub("evaluator-x", "harness.events.r1.verdict.produced.evaluator.x")).toBe(true);
    expect(canPub("evaluator-x", "harness.events.r1.usage.recorded.evaluator.x")).toBe(true);
    expect(canPub("evaluator-x", "harness.events.r1.verdict.produced.evaluator.y")).toBe(false);
    expect(canPub("evaluator-x", "harness.events.r1.verdict.produced.evaluator.core")).toBe(false);
    expect(canPub("evaluator-x", "harness.events.r1.contract.reviewed.evaluator.x")).toBe(false);
    expect(canPub("evaluator-x", "$JS.API.CONSUMER.MSG.NEXT.HARNESS_WORK.evaluator-x")).toBe(true);
    expect(canPub("evaluator-x", "$JS.API.CONSUMER.MSG.NEXT.HARNESS_WORK.evaluator-core")).toBe(false);
    expect(canSub("evaluator-x", "harness.work.evaluate.core")).toBe(false);
  });

  it("lets only the supervisor dispatch work or create streams and consumers", () => {
    for (const u of users) {
      const dispatches = canPub(u.user, "harness.work.plan");
      const provisions = canPub(u.user, "$JS.API.STREAM.CREATE.HARNESS_WORK") || canPub(u.user, "$JS.API.CONSUMER.CREATE.HARNESS_WORK.c.harness.work.plan");
      expect([u.user, dispatches, provisions]).toEqual([u.user, u.role === "supervisor", u.role === "supervisor"]);
    }
  });

  it("lets no role purge or delete from the artifact store, whose purge cannot be scoped to an object", () => {
    for (const u of users) {
      for (const verb of ["STREAM.PURGE", "STREAM.MSG.DELETE", "STREAM.DELETE"]) {
        expect([u.user, verb, canPub(u.user, `$JS.API.${verb}.OBJ_harness-artifacts`)]).toEqual([u.user, verb, false]);
      }
    }
    expect(canPub("generator", "$O.harness-artifacts.C.abc")).toBe(true);
  });

  it("gives no role, not even the supervisor, another role's result events", () => {
    expect(canPub("supervisor", "harness.events.r1.verdict.produced.evaluator.core")).toBe(false);
    expect(canPub("supervisor", "harness.events.r1.run.transition.supervisor")).toBe(true);
    expect(canPub("planner", "harness.events.r1.build.produced.generator")).toBe(false);
    expect(canPub("evaluator", "harness.events.r1.spec.produced.planner")).toBe(false);
  });

  it("lets each user subscribe to its own inbox prefix and no other user's, nor the shared one", () => {
    for (const u of users) {
      expect(u.permissions.subscribe.allow.filter((s) => s.startsWith("_INBOX"))).toEqual([`_INBOX_${u.user}.>`]);
      for (const other of users.filter((o) => o.user !== u.user)) {
        expect([u.user, other.user, canSub(u.user, `_INBOX_${other.user}.abc.1`)]).toEqual([u.user, other.user, false]);
      }
      expect(canSub(u.user, "_INBOX.abc.1")).toBe(false);
    }
  });

  it("refuses a custom evaluator named core, duplicates and names that are not subject tokens", () => {
    expect(() => harnessUsers({ evaluators: ["core"] })).toThrow(/built-in/);
    expect(() => harnessUsers({ evaluators: ["x", "x"] })).toThrow(/unique/);
    expect(() => harnessUsers({ evaluators: ["a.b"] })).toThrow();
    expect(() => harnessUsers({ evaluators: ["*"] })).toThrow();
  });

  it("lists every subject once per rule", () => {
    for (const u of users) {
      for (const list of [u.permissions.publish.allow, u.permissions.subscribe.allow, u.permissions.subscribe.deny]) {
        expect(new Set(list).size).toBe(list.length);
      }
    }
  });
});
