import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "@harness/cli";
import { inboxPrefix } from "@harness/contracts";
import { connect as natsConnect, errors as natsErrors } from "@nats-io/transport-node";
import { startNatsServer, waitFor } from "@harness/testkit";

const CLI = join(REPO_ROOT, "cli", "src", "main.ts");
// As `pnpm harness` runs it: one process. The tsx binary would put a parent in front that relays
// signals with 30 ms timeouts, and SIGKILLs the CLI when it answers later (a busy machine).
const NODE = [process.execPath, "--import", "tsx", CLI];

function cli(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  const r = spawnSync(NODE[0]!, [...NODE.slice(1), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** What a terminal's Ctrl-C does (SIGINT to the whole group), then SIGKILL if it has not ended in 20 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try { process.kill(-child.pid!, "SIGINT"); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, 20_000);
  await exited;
  clearTimeout(timer);
}

/** Processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text); } catch { return false; }
  }).map(Number);
}

/** The environments of the processes `up` started with NATS credentials for this data folder. */
function servicesOf(home: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let environ: string;
    try { environ = readFileSync(`/proc/${pid}/environ`, "utf8"); } catch { continue; }
    const e = Object.fromEntries(environ.split("\0").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    if (e["HARNESS_HOME"] === home && e["NATS_USER"] !== undefined) out.push(e);
  }
  return out;
}

describe("cli - harness up, run --follow, status, logs, export and steering against the scripted model", () => {
  // Inside the repository, as `pnpm harness up` uses it by default: builds must not inherit
  // this repository's package.json ("type": "module") from the data folder's location.
  mkdirSync(join(REPO_ROOT, ".harness"), { recursive: true });
  const home = mkdtempSync(join(REPO_ROOT, ".harness", "cli-test-"));
  const env = { HARNESS_HOME: home, ANTHROPIC_API_KEY: "", HARNESS_API_TOKEN: "cli-test-token-123456" };
  let up: ChildProcess | undefined;
  let upOut = "";
  // The stack the first test starts serves the tests after it: one stack per file keeps this file quick.
  let url: string | undefined;
  const get = async <T>(path: string) => await (await fetch(`${url}${path}`)).json() as T;

  afterAll(async () => {
    // Asked to stop first: NATS runs in its own group, and only `up` stops it.
    if (up?.pid && up.exitCode === null) await stopGroup(up);
    rmSync(home, { recursive: true, force: true });
  });

  it("starts the stack, follows a run to completion and exports the product", async () => {
    // Its own process group, as a terminal's foreground job is: Ctrl-C goes to the whole group.
    up = spawn(NODE[0]!, [...NODE.slice(1), "up", "--port", "0", "--quiet"], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    up.stdout?.on("data", (d: Buffer) => { upOut += d.toString(); });
    up.stderr?.on("data", (d: Buffer) => { upOut += d.toString(); });
    url = await waitFor(() => /harness is up: (http:\/\/127\.0\.0\.1:\d+)/.exec(upOut)?.[1], { timeoutMs: 60_000, what: "harness up" }).catch((err) => { throw new Error(`${err}\n${upOut}`); });
    expect(upOut).toContain("SCRIPTED");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(upOut).not.toContain(env.HARNESS_API_TOKEN); // a token from the environment is not echoed

    const run = cli(["run", "Pocket Notes: notes I can add and find after a reload", "--follow", "--attempts", "3", "--budget", "5"], env);
    expect(run.out).toContain("sprint 2 · attempt 1 · core: FAIL");
    expect(run.out).toMatch(/sprint 2 · attempt 1 · core: FAIL (\d+)\/\d+ passed, [1-9]\d* failed · add-note-ui: /);
    // Progress counts passed sprints only: 1/2 after sprint 1, 2/2 once sprint 2's rework passed.
    const bars = run.out.split("\n").map((l) => /\] (\d+\/\d+) sprints passed · \$/.exec(l)?.[1]).filter(Boolean);
    expect(bars, run.out).toEqual(["1/2", "2/2"]);
    expect(run.out).toMatch(/run \S+: COMPLETED/);
    expect(run.code, run.out).toBe(0);
    const id = /run (\S+) created/.exec(run.out)?.[1];
    expect(id).toBeDefined();
    // --budget sets the spend limit; the token and wall-clock limits stay at their defaults.
    const created = await (await fetch(`${url}/runs/${id}`)).json() as { options: { budget: unknown } };
    expect(created.options.budget).toEqual({ maxCostUsd: 5, maxTokens: 20_000_000, maxWallClockMs: 6 * 3_600_000 });

    const status = cli(["status"], env);
    expect(status.out).toContain(`${id}  completed`);
    // Following a finished run tells its story again and ends with its outcome.
    const followed = cli(["follow", id!], env);
    expect(followed.out).toContain("sprint 2 · attempt 1 · core: FAIL");
    expect(followed.out).toContain("status: running -> completed");
    expect(followed.code, followed.out).toBe(0);
    const logs = cli(["logs", id!], env);
    expect(logs.out).toMatch(/verdict\.produced\s+core: FAIL \d+\/\d+ passed, [1-9]\d* failed · add-note-ui: /);
    expect(logs.out).toMatch(/run\.transition\s+running -> completed/);

    const out = join(home, "product");
    const exported = cli(["export", id!, out], env);
    expect(exported.code, exported.out).toBe(0);
    expect(existsSync(join(out, "server.js"))).toBe(true);
    const log = spawnSync("git", ["log", "--oneline"], { cwd: out, encoding: "utf8" }).stdout.trim().split("\n");
    expect(log).toEqual([expect.stringContaining("sprint 2 attempt 2"), expect.stringContaining("sprint 2 attempt 1"), expect.stringContaining("sprint 1 attempt 1")]);

    const cancelDone = cli(["cancel", id!], env);
    expect(cancelDone.code).toBe(1);
    expect(cancelDone.out).toMatch(/harness: .*409/);
  }, 240_000);

  it("runs NATS with a user per role: anonymous refused, secrets in 0600 files never printed, and `evaluator add` admits a new user to the running server", async () => {
    const natsUrl = /NATS\s+(nats:\/\/127\.0\.0\.1:\d+)/.exec(upOut)?.[1] ?? "";
    await expect(natsConnect({ servers: natsUrl, reconnect: false })).rejects.toBeInstanceOf(natsErrors.AuthorizationError);
    const auth = join(home, "nats-auth");
    expect(statSync(auth).mode & 0o077).toBe(0);
    for (const f of readdirSync(auth)) expect([f, statSync(join(auth, f)).mode & 0o077]).toEqual([f, 0]);
    const generatorPassword = readFileSync(join(auth, "generator.password"), "utf8").trim();
    expect(upOut).not.toContain(generatorPassword);
    // Each service was given its own user's password file and no password.
    const given = servicesOf(home).map((e) => [e["NATS_USER"], e["NATS_PASSWORD_FILE"], e["NATS_PASSWORD"]]).sort();
    expect(given).toEqual(["evaluator", "generator", "planner", "supervisor"].map((u) => [u, join(auth, `${u}.password`), undefined]));
    // The API token reaches the supervisor alone, as a file: in no service's environment.
    const tokens = servicesOf(home).map((e) => [e["NATS_USER"], e["HARNESS_API_TOKEN"], e["HARNESS_API_TOKEN_FILE"]]).sort();
    expect(tokens).toEqual([["evaluator", undefined, undefined], ["generator", undefined, undefined], ["planner", undefined, undefined], ["supervisor", undefined, join(home, "token")]]);
    for (const f of ["token", "stack.json"]) expect([f, statSync(join(home, f)).mode & 0o077]).toEqual([f, 0]);

    const added = cli(["evaluator", "add", "lint"], env);
    expect(added.code, added.out).toBe(0);
    expect(added.out).toContain(`NATS_USER=evaluator-lint`);
    expect(added.out).toContain(join(auth, "evaluator-lint.password"));
    const password = readFileSync(join(auth, "evaluator-lint.password"), "utf8").trim();
    expect(added.out).not.toContain(password);
    expect(cli(["evaluator", "add", "lint", "--show"], env).out).toContain(password);
    // Replies come on the user's own inbox prefix: the shared _INBOX is refused to every user.
    const nc = await natsConnect({ servers: natsUrl, user: "evaluator-lint", pass: password, inboxPrefix: inboxPrefix("evaluator-lint") });
    // Its own queue, provisioned by `evaluator add` as the supervisor: a pull it may make.
    const next = await nc.request("$JS.API.CONSUMER.INFO.HARNESS_WORK.evaluator-lint", "", { timeout: 5_000 });
    expect((next.json() as { name?: string }).name).toBe("evaluator-lint");
    await nc.close();
    expect(cli(["evaluator", "add", "core"], env).code).toBe(2);
  });

  it("runs the examples README's commands as written, from the repository root: evaluator add, the example evaluator, a run through the CLI and one through curl", async () => {
    expect(url, "the stack started by the first test").toBeDefined();
    // The README names the default data folder; this stack's is a folder inside it.
    const here = relative(REPO_ROOT, home);
    const blocks = [...readFileSync(join(REPO_ROOT, "examples", "README.md"), "utf8").matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((m) => m[1]!.replaceAll(".harness/", `${here}/`).trim());
    expect(blocks).toHaveLength(4);
    const [add, start, run, curl] = blocks as [string, string, string, string];
    // No token in the environment: the README's commands take it from the data folder.
    const shellEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete shellEnv["HARNESS_API_TOKEN"];
    const sh = (command: string) => spawnSync("bash", ["-c", command], { cwd: REPO_ROOT, env: shellEnv, encoding: "utf8", timeout: 60_000 });
    const added = sh(add);
    expect(added.status, added.stdout + added.stderr).toBe(0);
    const evaluator = spawn("bash", ["-c", start], { cwd: REPO_ROOT, env: shellEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    evaluator.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
    evaluator.stderr?.on("data", (d: Buffer) => { out += d.toString(); });
    const created: string[] = [];
    try {
      await waitFor(() => out.includes("evaluator readme ready") || evaluator.exitCode !== null ? true : undefined, { timeoutMs: 60_000, what: "the example evaluator" });
      expect(evaluator.exitCode, out).toBeNull();
      await waitFor(async () => (await get<{ services: Array<{ name: string; alive: boolean }> }>("/services")).services.some((e) => e.name === "readme" && e.alive) || undefined, { timeoutMs: 30_000, what: "the readme evaluator's heartbeat" });
      const viaCli = sh(run);
      expect(viaCli.status, viaCli.stdout + viaCli.stderr).toBe(0);
      created.push(/run (\S+) created/.exec(viaCli.stdout)?.[1] ?? "");
      const viaCurl = sh(curl);
      expect(viaCurl.status, viaCurl.stderr).toBe(0);
      created.push((JSON.parse(viaCurl.stdout) as { id: string }).id);
      for (const id of created) expect((await get<{ options: { evaluators: string[] } }>(`/runs/${id}`)).options.evaluators).toEqual(["core", "readme"]);
    } finally {
      for (const id of created.filter(Boolean)) cli(["cancel", id], env);
      await stopGroup(evaluator);
    }
  }, 120_000);

  it("steers a gated run: pause, status shows it paused, resume with new limits, revise, approve, a refused approve, cancel", async () => {
    expect(url, "the stack started by the first test").toBeDefined();
    // Created through the API (as `run --gates spec` would): at the spec gate nothing is in flight.
    const res = await fetch(`${url}/runs`, {
      method: "POST", headers: { authorization: `Bearer ${env.HARNESS_API_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "Pocket Notes, steered from the command line", options: { gates: { approveSpec: true, approveContracts: false } } }),
    });
    const { id } = await res.json() as { id: string };
    const run = () => get<{ status: string; reason: string; waitingFor: string; specVersion: number; options: { budget: unknown } }>(`/runs/${id}`);
    const until = (what: string, ok: (r: Awaited<ReturnType<typeof run>>) => boolean) =>
      waitFor(async () => { const r = await run(); return ok(r) ? r : undefined; }, { timeoutMs: 15_000, what });
    await until("the spec gate", (r) => r.waitingFor === "spec_approval");
    expect(cli(["status"], env).out).toMatch(new RegExp(`^${id}  planning .*  · waits for your approval of the spec$`, "m"));

    const pause = cli(["pause", id, "--comment", "reading the plan first"], env);
    expect(pause.out.trim()).toBe(`pause sent for run ${id}`);
    await until("the run to pause", (r) => r.status === "paused");
    expect(cli(["status", id], env).out).toContain(`run ${id}: PAUSED (reading the plan first)`);

    // Only the limits given change: the token limit keeps its default.
    const resume = cli(["resume", id, "--budget", "9", "--minutes", "90"], env);
    expect(resume.out.trim()).toBe(`resume sent for run ${id} with limits $9, 90 min`);
    const resumed = await until("the run to resume", (r) => r.status === "planning");
    expect(resumed.options.budget).toEqual({ maxCostUsd: 9, maxTokens: 20_000_000, maxWallClockMs: 90 * 60_000 });

    // The wrong gate is refused with the API's reason; the right one reaches the planner.
    const wrongGate = cli(["revise", id, "--contract", "add a check for search"], env);
    expect(wrongGate.code).toBe(1);
    expect(wrongGate.out).toContain(`(409): run ${id} has no contract gate (options.gates.approveContracts is off)`);
    const revise = cli(["revise", id, "--spec", "Keep search out of the first sprint"], env);
    expect(revise.out.trim()).toBe(`spec changes sent for run ${id}: the planner writes a new version`);
    await until("spec version 2 at the gate", (r) => r.specVersion === 2 && r.waitingFor === "spec_approval");

    const approve = cli(["approve", id, "--comment", "plan is fine"], env);
    expect(approve.out.trim()).toBe(`approve sent for run ${id}`);
    await until("the first sprint", (r) => r.status === "running");
    // Now the run waits at no gate: the API's 409 says so, and the exit code is not 0.
    const again = cli(["approve", id], env);
    expect(again.code).toBe(1);
    expect(again.out.trim()).toMatch(new RegExp(`^harness: POST /runs/${id}/approve failed \\(409\\): run ${id} waits at no approval gate \\(it waits for \\w+\\); there is nothing to approve$`));

    const cancel = cli(["cancel", id, "--comment", "steered enough"], env);
    expect(cancel.out.trim()).toBe(`cancel sent for run ${id}`);
    await until("the run to be cancelled with the comment", (r) => r.status === "cancelled" && r.reason === "steered enough");

    // Its story says where it waited for a person, and what to type there: once per spec version.
    const story = cli(["follow", id], env);
    const waits = story.out.split("\n").filter((l) => l === `waiting for your approval of the spec: pnpm harness approve ${id}, or pnpm harness revise ${id} --spec "..."`);
    expect(waits, story.out).toHaveLength(2);
    expect(story.out).toContain("status: running -> cancelled (steered enough)");
  }, 90_000);

  it("refuses a second harness up on the same folder while the first runs, and leaves the first as it was", async () => {
    const second = cli(["up", "--port", "0", "--quiet"], env, 60_000);
    expect(second.code, second.out).toBe(1);
    expect(second.out).toMatch(/harness: harness is already running from .* \(pid \d+, NATS pid \d+\): stop it first, .*nats\.lock says so\)/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 90_000);

  it("stops the whole stack on Ctrl-C, NATS last, after the services drained", async () => {
    expect(up?.pid, "the stack started by the first test").toBeDefined();
    const natsPort = Number(/NATS\s+nats:\/\/127\.0\.0\.1:(\d+)/.exec(upOut)?.[1]);
    expect(natsPort).toBeGreaterThan(0);
    const exited = new Promise<number | null>((r) => up!.once("exit", (code) => r(code)));
    // What a terminal does: SIGINT to every process in the foreground group at once.
    process.kill(-up!.pid!, "SIGINT");
    expect(await exited, upOut.slice(-2_000)).toBe(0);
    expect(upOut).toContain("stopped");
    // NATS runs in its own group (so the signal does not stop it under the draining services),
    // and is stopped by `up` itself: nothing listens on its port any more.
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(natsPort, "127.0.0.1");
      s.once("connect", () => { s.destroy(); resolve(false); });
      s.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 30_000);

  it("stops what has started, NATS included, when Ctrl-C comes while the stack is starting", async () => {
    const own = mkdtempSync(join(tmpdir(), "harness-starting-"));
    // A NATS server an earlier `up`, killed outright, left running on this folder's store; the
    // lock names a launcher pid that some other process (this one) has since been given.
    const leftover = await startNatsServer({ storeDir: join(own, "nats"), detached: true });
    writeFileSync(join(own, "nats.lock"), JSON.stringify({ launcherPid: process.pid, launcherStart: "1", natsPid: leftover.pid, storeDir: join(own, "nats") }));
    const argv = readFileSync(`/proc/${leftover.pid}/cmdline`, "utf8").split("\0");
    const leftoverConfig = dirname(argv[argv.indexOf("-c") + 1]!);
    try {
      const starting = spawn(NODE[0]!, [...NODE.slice(1), "up", "--port", "0"], { cwd: REPO_ROOT, env: { ...process.env, ...env, HARNESS_HOME: own }, stdio: ["ignore", "pipe", "pipe"], detached: true });
      let out = "";
      starting.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
      starting.stderr?.on("data", (d: Buffer) => { out += d.toString(); });
      const exited = new Promise<number | null>((r) => starting.once("exit", (code) => r(code)));
      // NATS is up and the supervisor is starting; the other three are not started yet.
      await waitFor(() => processesMentioning(join(own, "nats")).length > 0 && /^supervisor\s*\|/m.test(out) ? true : undefined, { timeoutMs: 60_000, what: "the stack starting" });
      process.kill(-starting.pid!, "SIGINT");
      expect(await exited, out).toBe(1);
      expect(out).toContain("stopped while starting");
      expect(out).not.toContain("harness is up");
      expect(out).toContain(`stopped the NATS server (pid ${leftover.pid}) an earlier harness left running`);
      expect(existsSync(leftoverConfig), "the left-behind server's temp config folder").toBe(false);
      expect(processesMentioning(join(own, "nats")), "nats-server left running").toEqual([]);
    } finally {
      await leftover.cleanup();
      rmSync(own, { recursive: true, force: true });
    }
  }, 90_000);

  it("answers usage errors and a missing stack with one clear line and a meaningful exit code", () => {
    const unknown = cli(["frobnicate"], env, 30_000);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('unknown command "frobnicate"');
    const badOption = cli(["run", "x", "--bogus"], env, 30_000);
    expect(badOption.code).toBe(2);
    expect(badOption.out.trim()).toBe("harness: Unknown option '--bogus' (see harness --help)");
    const help = cli(["--help"], env, 30_000);
    expect(help.code).toBe(0);
    expect(help.out).toContain('revise <id> --spec "..." | --contract "..."');
    const noComments = cli(["revise", "some-run"], env, 30_000);
    expect(noComments.code).toBe(2);
    expect(noComments.out.trim()).toBe('harness: revise takes one of --spec "<comments>" or --contract "<comments>"');
    const empty = mkdtempSync(join(tmpdir(), "harness-empty-"));
    const noStack = cli(["status"], { ...env, HARNESS_HOME: empty }, 30_000);
    rmSync(empty, { recursive: true, force: true });
    expect(noStack.code).toBe(2);
    expect(noStack.out.trim()).toBe("harness: no running harness found: start one with `pnpm harness up` (or set HARNESS_API_URL)");
  });
});

describe("demo - the README's first command", () => {
  it("runs the offline demo end to end: a browser check catches a real defect, the rework passes, the run completes", () => {
    const r = cli(["demo"], { ANTHROPIC_API_KEY: "" }, 240_000);
    expect(r.out).toContain("sprint 1 · contract round 1 sent back");
    expect(r.out).toMatch(/sprint 2 · attempt 1 · core: FAIL .*add-note-ui/);
    expect(r.out).toContain("sprint 2 · attempt 2 · core: PASS");
    // The whole product's final acceptance: sprint 2's checks and sprint 1's re-run on the last build.
    expect(r.out).toMatch(/final acceptance · attempt 1 · core: PASS \d+\/\d+/);
    expect(r.out).toMatch(/final {5}acceptance passed, 1 attempt\(s\)/);
    expect(r.out).toMatch(/run \S+: COMPLETED/);
    expect(r.out).toContain("SCRIPTED");
    expect(r.out).toContain("ANTHROPIC_API_KEY");
    expect(r.code, r.out).toBe(0);
  }, 300_000);
});
