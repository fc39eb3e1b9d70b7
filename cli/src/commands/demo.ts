import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError } from "../client.js";
import { demoScript } from "../demo/script.js";
import { followRun } from "../follow.js";
import { startLocalStack, type LocalStack } from "../local-stack.js";
import { watchForStop } from "../signals.js";
import { exportCommand, printSummary } from "./runs.js";
import { prefixer } from "./up.js";

const PROMPT = "Pocket Notes: a small notes web app where I type a note, see it listed at once, and still find it after a reload.";

/** The offline demo: a real run end to end, with only the model scripted. */
export async function demoCommand(flags: { keep: boolean }): Promise<number> {
  // From the start: a Ctrl-C at any point stops the stack (NATS runs in its own process group).
  const stopping = watchForStop();
  const interrupted = stopping.requested;
  const dataDir = mkdtempSync(join(tmpdir(), "harness-demo-"));
  process.env["HARNESS_HOME"] = dataDir;
  console.log("harness demo: starting NATS, a scripted model server and the four services...");
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ dataDir, port: 0, script: demoScript(), onLine: prefixer(!process.env["HARNESS_DEMO_VERBOSE"]), env: { LOG_LEVEL: "warn" }, signal: stopping.signal });
  } catch (err) {
    stopping.done();
    rmSync(dataDir, { recursive: true, force: true });
    if (stopping.signal.aborted) throw new CliError("demo stopped", 130);
    throw err;
  }
  let exported = false;
  const stopped = interrupted.then((signal) => { throw new CliError(`demo stopped (${signal})`, 130); });
  stopped.catch(() => undefined);
  process.env["HARNESS_API_URL"] = stack.apiUrl;
  process.env["HARNESS_API_TOKEN"] = stack.token;
  const target = { url: stack.apiUrl, token: stack.token };
  try {
    console.log(`dashboard: ${stack.apiUrl}/ (API token ${stack.token})\n`);
    const res = await fetch(`${stack.apiUrl}/runs`, { method: "POST", headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" }, body: JSON.stringify({ prompt: PROMPT, options: { maxAttemptsPerSprint: 3, maxSprints: 2 } }) });
    if (res.status !== 201) throw new CliError(`could not create the demo run: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    console.log(`prompt: ${PROMPT}\n`);
    const status = await Promise.race([followRun(target, id), stopped]);
    await printSummary(id, false);
    const out = join(dataDir, "product");
    await exportCommand(id, out);
    exported = true;
    console.log([
      "",
      `The product is in ${out} (try: cd ${out} && git log --oneline && PORT=3000 node server.js).`,
      `The dashboard ${flags.keep ? "is" : "was"} at ${stack.apiUrl}/`,
      "The model in this demo was SCRIPTED (a local Messages-API server replaying a fixed script); everything",
      "else was real: NATS JetStream, the services, the workspace, the tests, the app and Chromium.",
      "To run with Claude: export ANTHROPIC_API_KEY=... && pnpm harness up, then pnpm harness run \"<prompt>\" --follow",
    ].join("\n"));
    if (flags.keep) {
      console.log("\n--keep: still running; Ctrl-C to stop.");
      await interrupted;
    }
    return status === "completed" ? 0 : 1;
  } finally {
    stopping.done();
    await stack.stop();
    // Keep only the product the output points at; a demo stopped before it has nothing to keep.
    if (!exported) rmSync(dataDir, { recursive: true, force: true });
    else for (const leftover of ["nats", "token", "token.generated", "nats.lock", "nats.port"]) rmSync(join(dataDir, leftover), { recursive: true, force: true });
  }
}
