import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Parser } from "@asyncapi/parser";
import { connectBus } from "@harness/bus";
import { STREAMS } from "@harness/contracts";
import { harnessUsers, permits, subjectMatches } from "@harness/nats-config";
import { useNatsServer } from "@harness/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { renderAsyncApi } from "./document.js";

const PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "contracts", "asyncapi.json");
const text = readFileSync(PATH, "utf8");

interface Operation { action: "send" | "receive"; channel: { $ref: string }; "x-harness-user": string; "x-harness-subjects": string[] }
interface Doc {
  channels: Record<string, { address: string; messages: Record<string, unknown> }>;
  operations: Record<string, Operation>;
  components: { schemas: Record<string, unknown> };
  "x-harness": { consumers: Array<{ durable: string; stream: string; filter: string; user: string }>; consumerSettings: { ackWaitMs: number; serverMaxDeliver: number } };
}
const doc = JSON.parse(text) as Doc;

/** The document's placeholders for one custom evaluator, named `lint` here: any token, or its name. */
function matchesShown(shown: string, subject: string, custom: string): boolean {
  const pattern = shown.split(".").map((t) => (t === "{name}" ? custom : t.replace("{name}", custom))).map((t) => (/^\{\w+\}$/.test(t) ? "*" : t)).join(".");
  return subjectMatches(pattern, subject);
}

function claims(user: string, action: "send" | "receive", subject: string): boolean {
  const label = user === "evaluator-lint" ? "evaluator-{name}" : user;
  return Object.values(doc.operations).some((o) => o["x-harness-user"] === label && o.action === action && o["x-harness-subjects"].some((s) => matchesShown(s, subject, "lint")));
}

/** A subject of every channel, for each value its parameters can take with evaluators core and lint. */
function samples(): string[] {
  const values: Record<string, string[]> = {
    runId: ["run-7"], evaluator: ["core", "lint"], role: ["supervisor", "planner", "generator", "evaluator"],
    name: ["supervisor", "planner", "generator", "evaluator", "core", "lint"],
    consumer: ["planner", "generator", "evaluator-review", "supervisor", "evaluator-core", "evaluator-lint"],
  };
  return Object.values(doc.channels).flatMap((c) => {
    let out = [c.address];
    for (const [, p] of c.address.matchAll(/\{(\w+)\}/g)) out = out.flatMap((s) => (values[p ?? ""] ?? []).map((v) => s.replace(`{${p}}`, v)));
    return out;
  });
}

describe("the AsyncAPI document of the message protocol", () => {
  it("is committed as pnpm schemas generates it now", () => {
    expect(text === renderAsyncApi(), `${PATH} is stale: run pnpm schemas`).toBe(true);
  });

  it("is a valid AsyncAPI 3.0 document for the official parser", async () => {
    const { document, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join(".")}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe("3.0.0");
    expect(document?.channels().length).toBe(Object.keys(doc.channels).length);
    const verdict = document?.channels().all().find((c) => c.address() === "harness.events.{runId}.verdict.produced.evaluator.{evaluator}");
    expect(verdict?.messages().all().map((m) => m.payload()?.title())).toEqual(["verdict.produced"]);
  }, 60_000);

  it("says who may publish each subject exactly as the NATS permission table does", () => {
    const users = harnessUsers({ evaluators: ["lint"] });
    const disagree: string[] = [];
    for (const subject of samples()) {
      for (const u of users) {
        const allowed = permits(u.permissions, "publish", subject);
        if (allowed !== claims(u.user, "send", subject)) disagree.push(`${u.user} ${allowed ? "may" : "may not"} publish ${subject}`);
      }
    }
    expect(disagree).toEqual([]);
  });

  it("gives every harness subject a user may publish a channel, except the supervisor's whole work family", () => {
    const users = harnessUsers({ evaluators: ["lint"] });
    const uncovered: string[] = [];
    for (const u of users) {
      for (const allow of u.permissions.publish.allow.filter((a) => a.startsWith("harness."))) {
        if (allow.endsWith(">")) { uncovered.push(`${u.user} ${allow}`); continue; }
        const concrete = allow.replaceAll("*", "run-7");
        if (!claims(u.user, "send", concrete)) uncovered.push(`${u.user} ${allow}`);
      }
    }
    expect(uncovered).toEqual(["supervisor harness.work.>"]);
  });

  it("has each work queue pulled by the one user whose durable reads it, and events, heartbeats and dead letters read by the supervisor alone", () => {
    const users = harnessUsers({ evaluators: ["lint"] });
    const readers = (subject: string) => users.filter((u) => claims(u.user, "receive", subject)).map((u) => u.user);
    expect(readers("harness.work.plan")).toEqual(["planner"]);
    expect(readers("harness.work.generate.build")).toEqual(["generator"]);
    expect(readers("harness.work.review")).toEqual(["evaluator"]);
    expect(readers("harness.work.evaluate.core")).toEqual(["evaluator"]);
    expect(readers("harness.work.evaluate.lint")).toEqual(["evaluator-lint"]);
    expect(readers("harness.events.run-7.verdict.produced.evaluator.lint")).toEqual(["supervisor"]);
    expect(readers("harness.events.run-7.build.produced.generator")).toEqual(["supervisor"]);
    expect(readers("harness.services.heartbeat.evaluator.lint")).toEqual(["supervisor"]);
    expect(readers("harness.dlq.evaluator-lint")).toEqual(["supervisor"]);
  });

  describe("against a server provisioned by the bus", () => {
    const nats = useNatsServer();

    it("lists the durables bus.provision creates, with their filters, ack wait and delivery limit", async () => {
      const bus = await connectBus({ ...nats.as(), name: "asyncapi-test", logger: pino({ level: "silent" }) });
      try {
        await bus.provision({ evaluators: ["core", "lint"] });
        const live: string[] = [];
        for (const stream of [STREAMS.work, STREAMS.events, STREAMS.dlq]) {
          for await (const c of bus.jsm.consumers.list(stream)) {
            live.push(`${stream} ${c.name} ${c.config.filter_subject} ${(c.config.ack_wait ?? 0) / 1e6} ${c.config.max_deliver}`);
          }
        }
        const { consumers, consumerSettings: s } = doc["x-harness"];
        const documented = consumers.map((c) => `${c.stream} ${c.durable.replace("{name}", "lint")} ${c.filter.replace("{name}", "lint")} ${s.ackWaitMs} ${s.serverMaxDeliver}`);
        expect(live.sort()).toEqual(documented.sort());
      } finally {
        await bus.close();
      }
    });
  });
});
