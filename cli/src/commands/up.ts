import { DATA_DIR } from "../client.js";
import { demoScript } from "../demo/script.js";
import type { SandboxStatus } from "@harness/workspace";
import { startLocalStack, type LocalStack } from "../local-stack.js";
import { watchForStop } from "../signals.js";

const COLORS = { supervisor: 35, planner: 34, generator: 33, evaluator: 36 } as Record<string, number>;

// The supervisor's per-request lines: in its JSON log for whoever needs them, not in the console.
const REQUEST_LINES = new Set(["incoming request", "request completed"]);

export function prefixer(quiet: boolean) {
  return (name: string, line: string) => {
    if (quiet) return;
    let text = line;
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; runId?: string; err?: { message?: string } };
      if ((j.level ?? 0) < 40 && REQUEST_LINES.has(j.msg ?? "")) return;
      const level = j.level && j.level >= 50 ? "ERROR " : j.level && j.level >= 40 ? "WARN " : "";
      text = `${level}${j.msg ?? ""}${j.runId ? ` run=${j.runId}` : ""}${j.err?.message ? ` · ${j.err.message}` : ""}`;
    } catch { /* not JSON: print as is */ }
    const color = process.stdout.isTTY ? `\u001b[${COLORS[name] ?? 37}m` : "";
    const reset = process.stdout.isTTY ? "\u001b[0m" : "";
    process.stdout.write(`${color}${name.padEnd(10)}|${reset} ${text}\n`);
  };
}

/** Starts everything locally and keeps it running until Ctrl-C, then drains and stops. */
/** The banner's sandbox line: what the mode still leaves readable, so nobody has to find it in SECURITY.md. */
export function sandboxLine(sandbox: SandboxStatus): string {
  if (sandbox.mode === "off") return `  sandbox    OFF: build and check commands are not sandboxed; they run as you and can read what you can (${sandbox.reason}); see SECURITY.md`;
  const line = `  sandbox    ${sandbox.mode} (${sandbox.reason})`;
  if (sandbox.mode !== "userns") return line;
  return `${line}\n             generated code can still read your own files outside the hidden folders (your home, other projects); see SECURITY.md`;
}

export async function upCommand(flags: { port?: number; scripted?: boolean; quiet?: boolean }): Promise<number> {
  // From the very start: a stop asked for while the stack starts must stop what started.
  const stopping = watchForStop();
  const useScripted = flags.scripted ?? !process.env["ANTHROPIC_API_KEY"];
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      dataDir: DATA_DIR, port: flags.port ?? 8080, onLine: prefixer(flags.quiet ?? false), signal: stopping.signal,
      ...(useScripted ? { script: demoScript() } : {}),
    });
  } catch (err) {
    stopping.done();
    if (!stopping.signal.aborted) throw err;
    console.log("stopped while starting");
    return 1;
  }
  const generated = !process.env["HARNESS_API_TOKEN"];
  // One write: a reader waiting for "harness is up" gets the whole block with it.
  console.log([
    `\nharness is up: ${stack.apiUrl}`,
    `  dashboard  ${stack.apiUrl}/`,
    `  API token  ${generated ? `${stack.token} (in ${DATA_DIR}/token; the next up keeps it)` : "from HARNESS_API_TOKEN"}`,
    `  reads      ${process.env["SUPERVISOR_READ_AUTH"] === "true" ? "need the token too (SUPERVISOR_READ_AUTH=true)" : "open on 127.0.0.1; writes need the token (SUPERVISOR_READ_AUTH=true guards reads too)"}`,
    `  model      ${useScripted ? "SCRIPTED: the offline demo script builds Pocket Notes whatever the prompt; set ANTHROPIC_API_KEY to use Claude" : "Claude via the Anthropic API"}`,
    `  NATS       ${stack.natsUrl} (a user per role, no anonymous access; credentials in ${DATA_DIR}/nats-auth)`,
    sandboxLine(stack.sandbox),
    `  submit     pnpm harness run "<prompt>" --follow`,
    `  stop       Ctrl-C (drains the services first)\n`,
  ].join("\n"));
  // Started before the stop was asked for, but stopped after it: it is stopped at once.
  await stopping.requested;
  console.log("\nstopping: draining services...");
  stopping.done();
  const unclean = await stack.stop();
  if (unclean.length > 0) {
    console.log(`stopped, but not cleanly: ${unclean.join("; ")}`);
    return 1;
  }
  console.log("stopped");
  return 0;
}
