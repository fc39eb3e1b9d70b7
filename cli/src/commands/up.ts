import { DATA_DIR } from "../client.js";
import { demoScript } from "../demo/script.js";
import { startLocalStack, type LocalStack } from "../local-stack.js";
import { launcherChain, orphaned } from "../orphan-watch.js";

const COLORS = { supervisor: 35, planner: 34, generator: 33, evaluator: 36 } as Record<string, number>;

export function prefixer(quiet: boolean) {
  return (name: string, line: string) => {
    if (quiet) return;
    let text = line;
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; runId?: string; err?: { message?: string } };
      const level = j.level && j.level >= 50 ? "ERROR " : j.level && j.level >= 40 ? "WARN " : "";
      text = `${level}${j.msg ?? ""}${j.runId ? ` run=${j.runId}` : ""}${j.err?.message ? ` · ${j.err.message}` : ""}`;
    } catch { /* not JSON: print as is */ }
    const color = process.stdout.isTTY ? `\u001b[${COLORS[name] ?? 37}m` : "";
    const reset = process.stdout.isTTY ? "\u001b[0m" : "";
    process.stdout.write(`${color}${name.padEnd(10)}|${reset} ${text}\n`);
  };
}

/** Starts everything locally and keeps it running until Ctrl-C, then drains and stops. */
export async function upCommand(flags: { port?: number; scripted?: boolean; quiet?: boolean }): Promise<number> {
  // Watched from the start: pnpm killed while the stack is starting must stop it too.
  const launcher = orphaned(launcherChain());
  const useScripted = flags.scripted ?? !process.env["ANTHROPIC_API_KEY"];
  const stack: LocalStack = await startLocalStack({
    dataDir: DATA_DIR, port: flags.port ?? 8080, onLine: prefixer(flags.quiet ?? false),
    ...(useScripted ? { script: demoScript() } : {}),
  });
  const generated = !process.env["HARNESS_API_TOKEN"];
  // One write: a reader waiting for "harness is up" gets the whole block with it.
  console.log([
    `\nharness is up: ${stack.apiUrl}`,
    `  dashboard  ${stack.apiUrl}/`,
    `  API token  ${generated ? `${stack.token} (in ${DATA_DIR}/token; the next up keeps it)` : "from HARNESS_API_TOKEN"}`,
    `  reads      ${process.env["SUPERVISOR_READ_AUTH"] === "true" ? "need the token too (SUPERVISOR_READ_AUTH=true)" : "open on 127.0.0.1; writes need the token (SUPERVISOR_READ_AUTH=true guards reads too)"}`,
    `  model      ${useScripted ? "SCRIPTED: the offline demo script builds Pocket Notes whatever the prompt; set ANTHROPIC_API_KEY to use Claude" : "Claude via the Anthropic API"}`,
    `  NATS       ${stack.natsUrl}`,
    `  submit     pnpm harness run "<prompt>" --follow`,
    `  stop       Ctrl-C (drains the services first)\n`,
  ].join("\n"));
  await new Promise<void>((resolve) => {
    const stop = () => {
      console.log("\nstopping: draining services...");
      // A terminal sends SIGINT to the whole group, and pnpm forwards it again: while draining,
      // further signals are ignored instead of killing this process half way.
      process.on("SIGINT", () => undefined);
      process.on("SIGTERM", () => undefined);
      process.on("SIGHUP", () => undefined);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    // A closed terminal too: NATS runs in its own process group and would outlive this process.
    process.once("SIGHUP", stop);
    // Killing `pnpm harness up` ends pnpm without passing the signal on: stop as if told to,
    // rather than leave the stack running with nothing to stop it.
    void launcher.done.then(stop);
  });
  launcher.stop();
  const unclean = await stack.stop();
  if (unclean.length > 0) {
    console.log(`stopped, but not cleanly: ${unclean.join("; ")}`);
    return 1;
  }
  console.log("stopped");
  return 0;
}
