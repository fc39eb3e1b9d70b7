import { describe, expect, it } from "vitest";
import { harnessUsers, INBOX_SENTINELS, type NatsUser } from "./roles.js";
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

describe("per-role NATS users", () => {
  it("creates one user per role plus one per custom evaluator", () => {
    expect(users.map((u) => u.user)).toEqual(["supervisor", "planner", "generator", "evaluator", "evaluator-x", "evaluator-y"]);
  });

  it("lets the generator publish its contracts and builds but never a verdict or a contract review", () => {
    expect(canPub("generator", "harness.events.r1.contract.proposed")).toBe(true);
    expect(canPub("generator", "harness.events.r1.build.produced")).toBe(true);
    expect(canPub("generator", "harness.events.r1.verdict.produced.core")).toBe(false);
    expect(canPub("generator", "harness.events.r1.contract.reviewed")).toBe(false);
  });

  it("keeps the generator's work and build events away from every evaluator", () => {
    for (const name of ["evaluator", "evaluator-x"]) {
      expect(canSub(name, "harness.work.generate.build")).toBe(false);
      expect(canSub(name, "harness.events.r1.build.produced")).toBe(false);
      expect(user(name).permissions.publish.allow.some((a) => a.includes("HARNESS_EVENTS"))).toBe(false);
    }
  });

  it("lets a custom evaluator publish verdicts under its own name only, and pull only its own queue", () => {
    expect(canPub("evaluator-x", "harness.events.r1.verdict.produced.x")).toBe(true);
    expect(canPub("evaluator-x", "harness.events.r1.usage.recorded")).toBe(true);
    expect(canPub("evaluator-x", "harness.events.r1.verdict.produced.y")).toBe(false);
    expect(canPub("evaluator-x", "harness.events.r1.verdict.produced.core")).toBe(false);
    expect(canPub("evaluator-x", "harness.events.r1.contract.reviewed")).toBe(false);
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
    expect(canPub("supervisor", "harness.events.r1.verdict.produced.core")).toBe(false);
    expect(canPub("supervisor", "harness.events.r1.run.transition")).toBe(true);
    expect(canPub("planner", "harness.events.r1.build.produced")).toBe(false);
    expect(canPub("evaluator", "harness.events.r1.spec.produced")).toBe(false);
  });

  it("adds inbox sentinels to shared-inbox workers so the server filters their deliveries", () => {
    for (const u of users.filter((c) => c.role !== "supervisor")) {
      expect(u.permissions.subscribe.allow).toEqual(["_INBOX.>"]);
      expect(u.permissions.subscribe.deny).toEqual(expect.arrayContaining([...INBOX_SENTINELS, "harness.events.>"]));
    }
  });

  it("scopes each user to its own inbox prefix in per-user mode", () => {
    const perUser = harnessUsers({ inboxes: "per-user" });
    expect(perUser.find((u) => u.user === "generator")?.permissions.subscribe.allow).toEqual(["_INBOX_generator.>"]);
    expect(perUser.some((u) => u.permissions.subscribe.deny.some((d) => d.startsWith("_INBOX")))).toBe(false);
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
