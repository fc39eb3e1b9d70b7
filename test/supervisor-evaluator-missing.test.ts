import { execFile } from "node:child_process";
import { join } from "node:path";
import { EventMessage, heartbeatSubject } from "@harness/contracts";
import { REPO_ROOT } from "@harness/cli";
import { useNatsServer, waitFor } from "@harness/testkit";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ART, contractFor, ev, SPEC, startTestSupervisor, TEST_TOKEN, verdict, type TestSupervisor } from "../services/supervisor/src/test-fixtures.js";

/*
 * A run naming an evaluator no instance of which is running used to wait in silence. The
 * supervisor knows the live evaluators from their heartbeats: it says which one the run waits
 * for (a run event, GET /runs/:id, `harness status` and `follow`, the dashboard), and fails the
 * run once the wait passes SUPERVISOR_EVALUATOR_WAIT_MS without progress.
 */

/** Two supervisors, each on its own NATS: one keeps such a run waiting (0), one fails it after WAIT_MS. */
const natsWaiting = useNatsServer();
const natsFailing = useNatsServer();
const WAIT_MS = 3_000;

interface Stack { sup: TestSupervisor; url: string; beats: ReturnType<typeof setInterval>; beating: Set<string> }
let waiting: Stack;
let failing: Stack;
let browser: Browser;

interface RunView { status: string; reason: string; waitingFor: string; waitingOn?: string }
interface EventItem { message: { type: string; payload: { decision?: string; reason?: string } } }

const api = async <T>(stack: Stack, method: "GET" | "POST", path: string, body?: unknown) =>
  (await stack.sup.app.inject({ method, url: path, headers: { authorization: `Bearer ${TEST_TOKEN}` }, ...(body ? { payload: body as object } : {}) })).json<T>();
const run = (stack: Stack, id: string) => api<RunView>(stack, "GET", `/runs/${id}`);

/** What each live evaluator's instance would send every few seconds. */
function beat(stack: Stack, name: string) {
  const now = new Date().toISOString();
  stack.sup.bus.nc.publish(heartbeatSubject("evaluator", name), JSON.stringify({ type: "service.heartbeat", schemaVersion: 1, role: "evaluator", name, instance: `${name}-0`, version: "1", inFlight: 0, capacity: 1, startedAt: now, time: now }));
}

async function startStack(nats: typeof natsWaiting, waitMs: number): Promise<Stack> {
  const sup = await startTestSupervisor(nats.as(), { evaluators: ["ghost"], watchdogIntervalMs: 100, missingEvaluators: { warmupMs: 300, waitMs } });
  const url = await sup.app.listen({ port: 0, host: "127.0.0.1" });
  // Only core's instance beats (every second, as a live evaluator does every 5).
  const beating = new Set(["core"]);
  const stack: Stack = { sup, url, beating, beats: setInterval(() => { for (const name of beating) beat(stack, name); }, 1_000) };
  beat(stack, "core");
  return stack;
}

/** A run gated by core and ghost, taken (as the workers would) to its first build; core's verdict in. */
async function builtRun(stack: Stack): Promise<string> {
  const { id } = await api<{ id: string }>(stack, "POST", "/runs", { prompt: "a counter, judged by ghost too", options: { evaluators: ["core", "ghost"] } });
  await waitFor(async () => (await run(stack, id)).waitingFor === "spec", { what: "planning" });
  const steps = [
    ["contract", ev(id, "spec.produced", { spec: SPEC, version: 1 })],
    ["review", ev(id, "contract.proposed", { contract: contractFor(1), round: 1 }, 1)],
    ["build", ev(id, "contract.reviewed", { review: { approved: true, changeRequests: [], comments: "" }, round: 1, evaluator: "core" }, 1)],
    ["verdicts", ev(id, "build.produced", { artifact: ART, files: ["a.js"], notes: "" }, 1, 1)],
  ] as const;
  for (const [next, e] of steps) {
    await stack.sup.bus.publish(EventMessage, e);
    await waitFor(async () => (await run(stack, id)).waitingFor === next || undefined, { what: `the run to wait for ${next}` });
  }
  await stack.sup.bus.publish(EventMessage, ev(id, "verdict.produced", { verdict: verdict(true) }, 1, 1));
  return id;
}

const decisions = async (stack: Stack, id: string) => (await api<{ events: EventItem[] }>(stack, "GET", `/runs/${id}/events`)).events
  .filter((e) => e.message.type === "run.transition" && e.message.payload.decision?.startsWith("evaluator_")).map((e) => `${e.message.payload.decision}: ${e.message.payload.reason}`);

/** The CLI as its own process; asynchronously, since the API it talks to runs in this one. */
function cli(stack: Stack, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(REPO_ROOT, "cli", "src", "main.ts"), ...args], {
      cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, HARNESS_API_URL: stack.url, HARNESS_API_TOKEN: TEST_TOKEN },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, out: `${stdout}${stderr}` }));
  });
}

beforeAll(async () => {
  waiting = await startStack(natsWaiting, 0);
  failing = await startStack(natsFailing, WAIT_MS);
  browser = await chromium.launch({ executablePath: process.env["EVALUATOR_CHROMIUM"] ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  for (const stack of [waiting, failing]) {
    if (!stack) continue;
    clearInterval(stack.beats);
    await stack.sup.close();
  }
});

describe("supervisor - a run waiting for an evaluator with no live instance", () => {
  it("says so in its events, the API, `harness status` and the dashboard, keeps waiting (SUPERVISOR_EVALUATOR_WAIT_MS=0), and the notice goes once an instance beats", async () => {
    const id = await builtRun(waiting);
    const notice = "waiting for evaluator ghost: no live instance";
    await waitFor(async () => (await run(waiting, id)).waitingOn === notice || undefined, { what: "the notice in the run view" });
    await waitFor(async () => (await decisions(waiting, id)).includes(`evaluator_missing: ${notice}`) || undefined, { what: "the notice as a run event" });
    const status = await cli(waiting, ["status", id]);
    expect(status.out).toContain(`run ${id}: RUNNING`);
    expect(status.out).toContain(`  blocked   ${notice}`);
    const page = await browser.newPage();
    try {
      await page.goto(`${waiting.url}/#/runs/${id}`);
      await page.locator("#run-waiting-on", { hasText: notice }).waitFor({ timeout: 15_000 });
    } finally { await page.close(); }
    expect((await run(waiting, id)).status).toBe("running");

    // An instance of ghost starts: the wait is an ordinary one again.
    waiting.beating.add("ghost");
    beat(waiting, "ghost");
    await waitFor(async () => (await run(waiting, id)).waitingOn === undefined || undefined, { what: "the notice to go" });
    expect((await run(waiting, id)).status).toBe("running");
    expect(await decisions(waiting, id)).toEqual([`evaluator_missing: ${notice}`]);
  }, 60_000);

  it("fails the run once the wait passes SUPERVISOR_EVALUATOR_WAIT_MS, and `follow` tells the story", async () => {
    const id = await builtRun(failing);
    const failed = await waitFor(async () => { const r = await run(failing, id); return r.status === "failed" ? r : undefined; }, { timeoutMs: WAIT_MS + 10_000, what: "the run to fail" });
    expect(failed.reason).toMatch(/^waiting for evaluator ghost: no live instance for \d+s \(SUPERVISOR_EVALUATOR_WAIT_MS\): start it, or name only running evaluators in the run's options$/);
    expect((await decisions(failing, id)).map((d) => d.split(":")[0])).toEqual(["evaluator_missing", "evaluator_unavailable"]);
    const story = await cli(failing, ["follow", id]);
    expect(story.code).toBe(1);
    expect(story.out.split("\n")).toContain("waiting for evaluator ghost: no live instance");
    expect(story.out).toContain("status: running -> failed (waiting for evaluator ghost: no live instance for ");
  }, 60_000);
});
