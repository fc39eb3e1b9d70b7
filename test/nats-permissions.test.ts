import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, type Bus } from "@harness/bus";
import {
  CORE_ONLY_EVENTS, EVENT_PRODUCERS, EventMessage, HEADERS, RunState, STREAMS, eventSubject, heartbeatSubject, inboxPrefix, mayProduce, type EventType,
} from "@harness/contracts";
import { generatePassword, harnessUsers, renderNatsConfig } from "@harness/nats-config";
import { startNatsServer, waitFor, type NatsServer } from "@harness/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect, errors, headers, type NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { startScriptedModel } from "@harness/scripted-model";
import { ART, contractFor, ev, SPEC, startTestSupervisor, TEST_TOKEN, verdict } from "../services/supervisor/src/test-fixtures.js";
import { ServiceRegistry } from "../services/supervisor/src/registry.js";
import { api, startStack } from "./support/stack.js";
import { tinyProgramScript } from "./support/tiny-program.js";

// The server runs the generated config itself; every refusal below is nats-server's, observed
// the way a client sees it: a rejected request, or a PermissionViolationError on nc.status().
const EVALUATORS = ["x"];
const Loose = z.looseObject({ id: z.string() });
// The server drops a forbidden publish and reports it asynchronously; on a loaded machine the
// publish may time out waiting for an ack first. Either way nothing is stored (asserted apart).
const refused = /Permissions Violation|timeout/i;

interface Violation { operation: string; subject: string }
interface Watched { violations: Violation[] }
interface Client extends Watched { nc: NatsConnection }

let server: NatsServer;
let passwords: Record<string, string>;
const opened: Array<{ close(): Promise<void> }> = [];

function watch(nc: NatsConnection): Violation[] {
  const violations: Violation[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "error" && s.error instanceof errors.PermissionViolationError) violations.push({ operation: s.error.operation, subject: s.error.subject });
    }
  })();
  return violations;
}

/** A plain nats.js client on a user's credentials, with its own inbox prefix unless told another. */
async function client(user: string, opts: { server?: NatsServer; inboxPrefix?: string } = {}): Promise<Client> {
  const nc = await connect({ servers: (opts.server ?? server).url, user, pass: passwords[user] ?? "", inboxPrefix: opts.inboxPrefix ?? inboxPrefix(user) });
  opened.push({ close: () => nc.close() });
  return { nc, violations: watch(nc) };
}

async function bus(user: string): Promise<Bus & Watched> {
  const b = await connectBus({ url: server.url, name: `test-${user}`, user, pass: passwords[user] ?? "" });
  opened.push(b);
  return Object.assign(b, { violations: watch(b.nc) });
}

function expectRefusal(c: Watched, operation: "publish" | "subscription", subject: string): Promise<unknown> {
  return waitFor(() => c.violations.some((v) => v.operation === operation && v.subject === subject), { what: `${operation} ${subject} refused` });
}

let supervisor: Bus & Watched;
const eventsOf = async (runId: string) => (await supervisor.readRunEvents(runId)).map((e) => e.subject);
const work = (subject: string, id: string) => supervisor.publish(Loose, { id, note: `work ${id}` }, { subject });

beforeAll(async () => {
  passwords = Object.fromEntries(harnessUsers({ evaluators: EVALUATORS }).map((u) => [u.user, generatePassword()]));
  server = await startNatsServer({ config: renderNatsConfig({ evaluators: EVALUATORS, passwords }) });
  supervisor = await bus("supervisor");
  await supervisor.provision({ evaluators: ["core", ...EVALUATORS] });
});

afterAll(async () => {
  for (const c of opened.reverse()) await c.close().catch(() => undefined);
  await server?.cleanup();
});

describe("per-role NATS users on a server started from the generated config", () => {
  it("refuses the generator a verdict and a contract review, and stores neither", async () => {
    const gen = await client("generator");
    gen.nc.publish("harness.events.run-g.verdict.produced.evaluator.core", "{}");
    await expectRefusal(gen, "publish", "harness.events.run-g.verdict.produced.evaluator.core");
    const js = jetstream(gen.nc);
    await expect(js.publish("harness.events.run-g.verdict.produced.evaluator.core", "{}")).rejects.toThrow(refused);
    await expect(js.publish("harness.events.run-g.contract.reviewed.evaluator.core", "{}")).rejects.toThrow(refused);
    await js.publish("harness.events.run-g.build.produced.generator", "{}");
    expect(await eventsOf("run-g")).toEqual(["harness.events.run-g.build.produced.generator"]);
  });

  it("lets every user publish exactly the event subjects the producer table gives it: its types, its own role and name", async () => {
    const senders: Array<{ role: string; evaluator?: string }> = [{ role: "supervisor" }, { role: "planner" }, { role: "generator" }, { role: "evaluator", evaluator: "core" }, { role: "evaluator", evaluator: "x" }];
    const types = Object.keys(EVENT_PRODUCERS) as EventType[];
    for (const u of harnessUsers({ evaluators: EVALUATORS })) {
      const c = await client(u.user);
      const runId = `sweep-${u.user}`;
      const own = senders.find((s) => (s.evaluator === undefined ? s.role === u.user : u.user === (s.evaluator === "core" ? "evaluator" : `evaluator-${s.evaluator}`)));
      const custom = u.evaluator !== undefined && u.evaluator !== "core";
      const allowed = types.filter((t) => mayProduce(u.role, t) && !(custom && CORE_ONLY_EVENTS.includes(t))).map((t) => eventSubject(runId, t, own));
      const tried = [...types.flatMap((t) => senders.map((s) => eventSubject(runId, t, s))), ...types.map((t) => eventSubject(runId, t))];
      for (const subject of tried) c.nc.publish(subject, "{}");
      await c.nc.flush();
      const denied = tried.filter((subject) => !allowed.includes(subject));
      await waitFor(() => denied.every((subject) => c.violations.some((v) => v.subject === subject)), { what: `${u.user}'s ${denied.length} refusals` });
      expect(c.violations.filter((v) => allowed.includes(v.subject))).toEqual([]);
      await waitFor(async () => (await eventsOf(runId)).length >= allowed.length, { what: `${u.user}'s events stored` });
      expect([u.user, (await eventsOf(runId)).sort()]).toEqual([u.user, [...allowed].sort()]);
    }
  });

  it("refuses the evaluator a subscription to the generator's work or build events", async () => {
    const ev = await client("evaluator");
    const work = ev.nc.subscribe("harness.work.generate.>");
    const builds = ev.nc.subscribe("harness.events.*.build.produced.generator");
    expect(await work.closed).toBeInstanceOf(errors.PermissionViolationError);
    expect(await builds.closed).toBeInstanceOf(errors.PermissionViolationError);
    await expectRefusal(ev, "subscription", "harness.work.generate.>");
    await expectRefusal(ev, "subscription", "harness.events.*.build.produced.generator");
  });

  it("lets workers read a run's ledger but not its full state, where the generator's notes are", async () => {
    await supervisor.runs.create("run-notes", { sprints: [{ attempts: [{ build: { notes: "generator notes" } }] }] });
    await supervisor.runs.put("ledger.run-notes", { status: "running" });
    for (const user of ["evaluator", "evaluator-x", "generator", "planner"] as const) {
      const b = await bus(user);
      expect((await b.runs.get("ledger.run-notes"))?.value).toEqual({ status: "running" });
      await expect(b.runs.get("run-notes")).rejects.toThrow(refused);
    }
    expect((await supervisor.runs.get("run-notes"))?.value).toHaveProperty("sprints");
  });

  it("refuses the evaluator a consumer or a direct read on the generator's queue and the event log", async () => {
    const ev = await client("evaluator");
    const jsm = await jetstreamManager(ev.nc);
    await expect(jsm.consumers.add(STREAMS.work, { name: "peek", filter_subject: "harness.work.generate.>" })).rejects.toThrow(refused);
    await expect(jsm.consumers.info(STREAMS.work, "generator")).rejects.toThrow(refused);
    await expect(jsm.streams.getMessage(STREAMS.events, { seq: 1 })).rejects.toThrow(refused);
    await expect(jsm.streams.info(STREAMS.events)).rejects.toThrow(refused);
  });

  it("never delivers the generator's work or notes to an evaluator listening on every inbox it may", async () => {
    const ev = await client("evaluator");
    const seen: Array<{ subject: string; data: string }> = [];
    const spy = ev.nc.subscribe("_INBOX_evaluator.>", { callback: (_err, m) => { seen.push({ subject: m.subject, data: m.string() }); } });
    // Every other inbox, the generator's and the shared prefix, is refused outright.
    for (const subject of ["_INBOX_generator.>", "_INBOX.>"]) expect(await ev.nc.subscribe(subject).closed).toBeInstanceOf(errors.PermissionViolationError);
    await ev.nc.flush();
    const generator = await bus("generator");
    await work("harness.work.generate.build", "snoop-work");
    await new Promise<void>((resolve) => {
      const c = generator.consume("generator", Loose, async (msg) => {
        if (msg.id !== "snoop-work") return;
        await generator.publish(Loose, { id: "snoop-build", notes: "NOTES-CANARY" }, { subject: "harness.events.run-s.build.produced.generator" });
        setTimeout(() => void c.stop().then(resolve), 0);
      });
    });
    expect(await eventsOf("run-s")).toEqual(["harness.events.run-s.build.produced.generator"]);
    // The same connection still receives its own work.
    await work("harness.work.evaluate.core", "own-work");
    const own = await (await jetstream(ev.nc).consumers.get(STREAMS.work, "evaluator-core")).next({ expires: 5_000 });
    expect(own?.subject).toBe("harness.work.evaluate.core");
    own?.ack();
    // The spy hears the evaluator's own replies (so it was listening), and nothing of the generator's.
    expect(seen.length).toBeGreaterThan(0);
    const leaked = seen.filter((s) => /^harness\.(work\.generate|events\.[^.]+\.build)/.test(s.subject) || /NOTES-CANARY|snoop-work/.test(s.data));
    expect(leaked).toEqual([]);
    expect(ev.violations.map((v) => v.subject).sort()).toEqual(["_INBOX.>", "_INBOX_generator.>"]);
    spy.unsubscribe();
    await ev.nc.flush();
  });

  it("lets a custom evaluator publish verdicts under its own name only", async () => {
    const x = await client("evaluator-x");
    const js = jetstream(x.nc);
    await expect(js.publish("harness.events.run-x.verdict.produced.evaluator.y", "{}")).rejects.toThrow(refused);
    await expect(js.publish("harness.events.run-x.verdict.produced.evaluator.core", "{}")).rejects.toThrow(refused);
    await expect(js.publish("harness.events.run-x.contract.reviewed.evaluator.x", "{}")).rejects.toThrow(refused);
    const ack = await js.publish("harness.events.run-x.verdict.produced.evaluator.x", "{}");
    expect(ack.stream).toBe(STREAMS.events);
    await js.publish("harness.events.run-x.usage.recorded.evaluator.x", "{}");
    expect(await eventsOf("run-x")).toEqual(["harness.events.run-x.verdict.produced.evaluator.x", "harness.events.run-x.usage.recorded.evaluator.x"]);
  });

  it("lets a custom evaluator pull its own work queue and no other", async () => {
    const x = await client("evaluator-x");
    await work("harness.work.evaluate.x", "x-work");
    const js = jetstream(x.nc);
    const mine = await (await js.consumers.get(STREAMS.work, "evaluator-x")).next({ expires: 5_000 });
    expect(mine?.subject).toBe("harness.work.evaluate.x");
    mine?.ack();
    await expect(js.consumers.get(STREAMS.work, "evaluator-core")).rejects.toThrow(refused);
    x.nc.publish("$JS.API.CONSUMER.MSG.NEXT.HARNESS_WORK.evaluator-core", JSON.stringify({ batch: 1 }), { reply: "_INBOX.steal" });
    await expectRefusal(x, "publish", "$JS.API.CONSUMER.MSG.NEXT.HARNESS_WORK.evaluator-core");
  });

  it("lets each worker role consume its queue, report, read runs and store artifacts without a refusal", async () => {
    await supervisor.runs.put("ledger.run-w", { status: "running" });
    const roles = [
      { user: "planner", durable: "planner", subject: "harness.work.plan", event: "spec.produced.planner", sender: "planner", beat: ["planner", "planner"], artifacts: false },
      { user: "generator", durable: "generator", subject: "harness.work.generate.contract", event: "contract.proposed.generator", sender: "generator", beat: ["generator", "generator"], artifacts: true },
      { user: "evaluator", durable: "evaluator-review", subject: "harness.work.review", event: "contract.reviewed.evaluator.core", sender: "evaluator.core", beat: ["evaluator", "core"], artifacts: true },
      { user: "evaluator", durable: "evaluator-core", subject: "harness.work.evaluate.core", event: "verdict.produced.evaluator.core", sender: "evaluator.core", beat: ["evaluator", "core"], artifacts: true },
      { user: "evaluator-x", durable: "evaluator-x", subject: "harness.work.evaluate.x", event: "verdict.produced.evaluator.x", sender: "evaluator.x", beat: ["evaluator", "x"], artifacts: true },
    ] as const;
    const beats: string[] = [];
    supervisor.nc.subscribe("harness.services.heartbeat.>", { callback: (_e, m) => { beats.push(m.subject); } });
    for (const r of roles) {
      const b = await bus(r.user);
      const id = `w-${r.durable}`;
      await work(r.subject, id);
      await new Promise<void>((resolve) => {
        const c = b.consume(r.durable, Loose, async (msg) => {
          if (msg.id === id) setTimeout(() => void c.stop().then(resolve), 0);
        });
      });
      await b.publish(Loose, { id: `${id}-event` }, { subject: `harness.events.run-w.${r.event}` });
      await b.publish(Loose, { id: `${id}-usage` }, { subject: `harness.events.run-w.usage.recorded.${r.sender}` });
      expect((await b.runs.get("ledger.run-w"))?.value).toEqual({ status: "running" });
      b.nc.publish(heartbeatSubject(r.beat[0], r.beat[1]), "{}");
      if (r.artifacts) {
        const ref = await b.artifacts.put(new TextEncoder().encode(`${r.user} artifact `.repeat(50_000)));
        expect((await b.artifacts.get(ref.name))?.byteLength).toBe(ref.size);
      }
      await b.js.publish(`harness.dlq.${r.durable}`, "dead", { headers: dlqHeaders(r.subject) });
      await b.nc.flush();
      expect([r.durable, b.violations]).toEqual([r.durable, []]);
    }
    await waitFor(() => beats.includes(heartbeatSubject("evaluator", "x")), { what: "heartbeats" });
    expect((await eventsOf("run-w")).length).toBe(roles.length * 2);
  });

  it("refuses every worker a purge of the artifact store, whole or filtered to one object, and still lets it restore a replaced artifact", async () => {
    const generator = await bus("generator");
    const bytes = new TextEncoder().encode("artifact that must survive ".repeat(1_000));
    const ref = await generator.artifacts.put(bytes);
    for (const user of ["generator", "evaluator", "evaluator-x", "planner"] as const) {
      const jsm = await jetstreamManager((await client(user)).nc);
      await expect(jsm.streams.purge("OBJ_harness-artifacts")).rejects.toThrow(refused);
      await expect(jsm.streams.purge("OBJ_harness-artifacts", { filter: "$O.harness-artifacts.C.>" })).rejects.toThrow(refused);
      await expect(jsm.streams.deleteMessage("OBJ_harness-artifacts", 1)).rejects.toThrow(refused);
    }
    expect(await supervisor.artifacts.get(ref.name)).toEqual(bytes);
    // Writing over an object stays possible (reads then fail on the digest); put restores it,
    // and its cleanup purge of the replaced chunks is refused without failing the put.
    await new Objm(generator.js).open("harness-artifacts").then((os) => os.putBlob({ name: ref.name }, new TextEncoder().encode("other bytes")));
    await expect(supervisor.artifacts.get(ref.name)).rejects.toThrow(/integrity|digest/i);
    await generator.artifacts.put(bytes);
    expect(await supervisor.artifacts.get(ref.name)).toEqual(bytes);
  });

  it("lets the supervisor fold, serve reads and redrive work, but not forge a worker's event", async () => {
    const rev = await supervisor.runs.create("run-sv", { step: 1 });
    await supervisor.runs.update("run-sv", { step: 2 }, rev);
    expect(await supervisor.runs.keys()).toContain("run-sv");
    await supervisor.publish(Loose, { id: "sv-t" }, { subject: "harness.events.run-sv.run.transition.supervisor" });
    await expect(supervisor.publish(Loose, { id: "sv-v" }, { subject: "harness.events.run-sv.verdict.produced.evaluator.core" })).rejects.toThrow(refused);
    const tailed: string[] = [];
    const tail = await supervisor.tailRunEvents("run-sv", 0, (e) => tailed.push(e.subject));
    await waitFor(() => tailed.length === 1, { what: "tail" });
    await tail.stop();
    const letters = await supervisor.dlq.list();
    const workLetter = letters.find((l) => l.originalSubject === "harness.work.plan");
    expect(workLetter).toBeDefined();
    await supervisor.dlq.redrive(workLetter?.seq ?? 0);
    const planner = await bus("planner");
    await planner.js.publish("harness.dlq.planner", "dead", { headers: dlqHeaders("harness.events.run-sv.verdict.produced.evaluator.core") });
    const verdictLetter = (await supervisor.dlq.list()).find((l) => l.originalSubject.includes("verdict"));
    // The planner's consumer reads no verdicts: the bus refuses before the server would.
    await expect(supervisor.dlq.redrive(verdictLetter?.seq ?? 0)).rejects.toThrow(/consumer "planner" does not read: not redriven/);
    const handled: string[] = [];
    await new Promise<void>((resolve) => {
      const c = supervisor.consume("supervisor", Loose, async (msg) => {
        handled.push(msg.id);
        if (msg.id === "sv-t") setTimeout(() => void c.stop().then(resolve), 0);
      });
    });
    expect(handled).toContain("sv-t");
    expect(new Set(supervisor.violations.map((v) => v.subject))).toEqual(new Set(["harness.events.run-sv.verdict.produced.evaluator.core"]));
  });

  it("fails a worker's read of a full run state with the server's refusal itself, not a timeout", async () => {
    const generator = await bus("generator");
    const read = generator.runs.get("run-secret");
    await expect(read).rejects.toBeInstanceOf(errors.PermissionViolationError);
    await expect(read).rejects.toThrow(/Permissions Violation for Publish to "\$JS\.API\.DIRECT\.GET\.KV_harness-runs\.\$KV\.harness-runs\.run-secret"/);
  });

  it("refuses workers the provisioning of streams, which is why they run with HARNESS_PROVISION=false", async () => {
    const generator = await bus("generator");
    await expect(generator.provision()).rejects.toThrow(refused);
  });
});

describe("an envelope forged on a subject its sender may use", () => {
  it("is dead-lettered with the reason and never folded: a generator's passing verdict on build.produced leaves the run waiting for verdicts", async () => {
    const own = await startNatsServer({ config: renderNatsConfig({ passwords }) });
    opened.push({ close: () => own.cleanup() });
    const sup = await startTestSupervisor(own.url, { name: "forgery-supervisor", user: "supervisor", pass: passwords["supervisor"] ?? "" });
    opened.push(sup);
    const as = async (user: string): Promise<Bus> => {
      const b = await connectBus({ url: own.url, name: `forgery-${user}`, user, pass: passwords[user] ?? "" });
      opened.push(b);
      return b;
    };
    const [planner, generator, evaluator] = [await as("planner"), await as("generator"), await as("evaluator")];
    const created = await sup.app.inject({ method: "POST", url: "/runs", headers: { authorization: `Bearer ${TEST_TOKEN}` }, payload: { prompt: "a tally counter", options: { maxSprints: 2 } } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const state = async () => RunState.parse((await sup.bus.runs.get(id))?.value);
    const until = (what: string, ok: (s: RunState) => boolean) => waitFor(async () => { const s = await state(); return ok(s) ? s : undefined; }, { what });

    // Each role reports on its own user, as the services do, up to the sprint's evaluation.
    await until("planning", (s) => s.status === "planning");
    await planner.publish(EventMessage, ev(id, "spec.produced", { spec: SPEC, version: 1 }));
    await until("a contract", (s) => s.waitingFor === "contract");
    await generator.publish(EventMessage, ev(id, "contract.proposed", { contract: contractFor(1), round: 1 }, 1));
    await until("a review", (s) => s.waitingFor === "review");
    await evaluator.publish(EventMessage, ev(id, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "fine" }, round: 1, evaluator: "core" }, 1));
    await until("a build", (s) => s.waitingFor === "build");
    await generator.publish(EventMessage, ev(id, "build.produced", { artifact: ART, files: ["a.js"], notes: "" }, 1, 1));
    await until("verdicts", (s) => s.waitingFor === "verdicts");

    // The server lets the generator publish on build.produced whatever the envelope says.
    const forged = ev(id, "verdict.produced", { verdict: verdict(true) }, 1, 1);
    const gen = await client("generator", { server: own });
    await jetstream(gen.nc).publish(eventSubject(id, "build.produced", { role: "generator" }), JSON.stringify(forged));
    expect(gen.violations).toEqual([]);
    const letter = await waitFor(async () => (await sup.bus.dlq.list()).find((l) => l.consumer === "supervisor"), { what: "the forgery's dead letter" });
    expect(letter).toMatchObject({ originalSubject: eventSubject(id, "build.produced", { role: "generator" }), deliveries: 1 });
    expect(letter.reason).toBe(`subject does not match the envelope: a verdict.produced of run ${id} belongs on ${eventSubject(id, "verdict.produced", { role: "evaluator", evaluator: "core" })}, not ${eventSubject(id, "build.produced", { role: "generator" })}`);
    const after = await state();
    expect([after.status, after.waitingFor, after.currentSprint]).toEqual(["running", "verdicts", 1]);
    expect(after.sprints[0]?.attempts[0]?.verdicts).toEqual({});
    expect(JSON.stringify(after)).not.toContain(forged.id);

    // The same verdict from the evaluator, on its own subject, is folded: the sprint passes.
    await evaluator.publish(EventMessage, ev(id, "verdict.produced", { verdict: verdict(true) }, 1, 1));
    await until("sprint 2", (s) => s.currentSprint === 2);
  });
});

describe("a heartbeat on a subject its sender may use", () => {
  it("counts only for the role and name the subject names: a generator posing as an evaluator is not listed", async () => {
    const registry = new ServiceRegistry();
    registry.start(supervisor);
    opened.push({ close: async () => registry.stop() });
    await supervisor.nc.flush();
    const beat = (role: string, name: string, instance: string) => JSON.stringify({
      type: "service.heartbeat", schemaVersion: 1, role, name, instance, version: "1", inFlight: 0, capacity: 1,
      startedAt: new Date().toISOString(), time: new Date().toISOString(),
    });
    const gen = await client("generator");
    const ev = await client("evaluator-x");
    gen.nc.publish(heartbeatSubject("generator", "generator"), beat("evaluator", "x", "posing"));
    // Flushed first, so the server has passed it on to the registry before the real one.
    await gen.nc.flush();
    ev.nc.publish(heartbeatSubject("evaluator", "x"), beat("evaluator", "x", "real"));
    await waitFor(() => registry.list().some((e) => e.instance === "real"), { what: "the real heartbeat" });
    expect(registry.list().map((e) => e.instance)).toEqual(["real"]);
    expect([...gen.violations, ...ev.violations]).toEqual([]);
  });
});

describe("replies to another user's requests", () => {
  it("never reach the generator's credentials: the supervisor's run-state reads and the evaluator's ledger reads and acks stay unseen", async () => {
    const run = "run-reply";
    await supervisor.runs.put(run, { id: run, notes: "STATE-CANARY" });
    await supervisor.runs.put(`ledger.${run}`, { id: run, status: "running", spent: "LEDGER-CANARY" });
    // The generator's credentials on a plain client listen wherever the server lets them.
    const spy = await client("generator");
    const seen: string[] = [];
    const listening: string[] = [];
    for (const subject of [">", "_INBOX.>", "_INBOX_supervisor.>", "_INBOX_evaluator.>", "_INBOX_generator.>"]) {
      const sub = spy.nc.subscribe(subject, { callback: (err, m) => { if (!err) seen.push(`${m.subject} ${m.string()}`); } });
      void sub.closed.then((err) => { if (err) listening.splice(listening.indexOf(subject), 1); });
      listening.push(subject);
    }
    await spy.nc.flush();
    const evaluator = await bus("evaluator");
    expect((await supervisor.runs.get(run))?.value).toMatchObject({ notes: "STATE-CANARY" });
    expect((await evaluator.runs.get(`ledger.${run}`))?.value).toMatchObject({ spent: "LEDGER-CANARY" });
    await evaluator.publish(Loose, { id: "reply-usage" }, { subject: "harness.events.run-reply.usage.recorded.evaluator.core" });
    expect((await supervisor.readRunEvents(run)).map((e) => e.subject)).toEqual(["harness.events.run-reply.usage.recorded.evaluator.core"]);
    await spy.nc.flush();
    await waitFor(() => listening.length === 1, { what: "the server refusing every other subscription" });
    expect(seen).toEqual([]);
    expect(listening).toEqual(["_INBOX_generator.>"]);
  });
});

describe("inboxes of their own", () => {
  it("confine each role's replies to its own inbox prefix, which no other role may subscribe to", async () => {
    const own = await startNatsServer({ config: renderNatsConfig({ passwords }) });
    opened.push({ close: () => own.cleanup() });
    const sup = await client("supervisor", { server: own, inboxPrefix: "_INBOX_supervisor" });
    const jsm = await jetstreamManager(sup.nc);
    await jsm.streams.add({ name: STREAMS.work, subjects: ["harness.work.>"] });
    await jsm.consumers.add(STREAMS.work, { durable_name: "generator", filter_subject: "harness.work.generate.>" });
    await jetstream(sup.nc).publish("harness.work.generate.build", "w");
    const gen = await client("generator", { server: own, inboxPrefix: "_INBOX_generator" });
    const m = await (await jetstream(gen.nc).consumers.get(STREAMS.work, "generator")).next({ expires: 5_000 });
    expect(m?.subject).toBe("harness.work.generate.build");
    m?.ack();
    const ev = await client("evaluator", { server: own, inboxPrefix: "_INBOX_evaluator" });
    for (const subject of ["_INBOX_generator.>", "_INBOX.>"]) {
      expect(await ev.nc.subscribe(subject).closed).toBeInstanceOf(errors.PermissionViolationError);
    }
    // A client on the shared prefix cannot even start JetStream: its replies would be unreadable.
    const shared = await client("generator", { server: own, inboxPrefix: "_INBOX" });
    await expect(jetstreamManager(shared.nc)).rejects.toThrow();
  });
});

describe("the real services on their own users", () => {
  it("complete a two-sprint run with every role on its restricted user and only the supervisor provisioning", async () => {
    const model = await startScriptedModel({ script: tinyProgramScript() });
    opened.push({ close: () => model.close() });
    const nats = await startNatsServer({ config: renderNatsConfig({ passwords }) });
    opened.push({ close: () => nats.cleanup() });
    const stack = await startStack({ modelUrl: model.url, nats, roles: [], env: { NATS_USER: "supervisor", NATS_PASSWORD: passwords["supervisor"] ?? "" } });
    opened.push({ close: () => stack.stop() });
    for (const role of ["planner", "generator", "evaluator"] as const) {
      await stack.start(role, { NATS_USER: role, NATS_PASSWORD: passwords[role] ?? "", HARNESS_PROVISION: "false" });
    }
    const created = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "A calculator library with add and multiply", options: { maxAttemptsPerSprint: 3 } });
    const run = await waitFor(async () => {
      const { body } = await api<{ status: string; reason: string }>(stack, "GET", `/runs/${created.body.id}`);
      return ["completed", "failed", "cancelled"].includes(body.status) ? body : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250, what: "the run to finish" });
    expect(run.status, `${run.reason}\n${stack.logs()}`).toBe("completed");
    expect(stack.logs()).not.toMatch(refused);
  }, 180_000);
});

function dlqHeaders(original: string) {
  const h = headers();
  h.set(HEADERS.dlqSubject, original);
  h.set(HEADERS.dlqReason, "test");
  return h;
}
