import { spawn, type ChildProcess } from "node:child_process";
import { ensureBundle } from "./bundle.js";
import { REPO_ROOT, type ServiceName } from "./paths.js";

export { REPO_ROOT };
export type { ServiceName };

export interface ServiceProc {
  name: string;
  proc: ChildProcess;
  output(): string;
}

export interface LaunchOptions {
  env: Record<string, string>;
  /** Called with each output line, e.g. to print it prefixed. */
  onLine?: (name: string, line: string) => void;
  readyTimeoutMs?: number;
  /** Extra node flags before the loader, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** Called as soon as the process exists, before it is ready: whoever may have to stop it early. */
  onSpawn?: (sp: ServiceProc) => void;
  /** Aborted before it is ready: it is stopped and the launch rejects. */
  signal?: AbortSignal;
}

/**
 * Old-space cap per service, in MB. Without one, V8 sizes the heap from the machine's memory
 * (gigabytes) and lets garbage pile up: under 1,000 concurrent runs a service peaked at 235 MB
 * resident with a live set far below this cap. NODE_OPTIONS=--max-old-space-size=N overrides it.
 */
export const DEFAULT_SERVICE_HEAP_MB = 128;

export function heapArgs(env: Record<string, string | undefined>): string[] {
  return /--max-old-space-size/.test(env["NODE_OPTIONS"] ?? "") ? [] : [`--max-old-space-size=${DEFAULT_SERVICE_HEAP_MB}`];
}

const READY: Record<ServiceName, RegExp> = {
  supervisor: /supervisor listening on (http:\/\/\S+)/,
  planner: /planner ready/,
  generator: /generator ready/,
  evaluator: /evaluator ready/,
};

/** Starts one service as its own process and resolves once it says it is ready. */
export async function launchService(name: ServiceName, label: string, opts: LaunchOptions): Promise<{ sp: ServiceProc; url?: string }> {
  const main = await ensureBundle(name);
  // `node` on the bundle itself: one process per service, so a signal reaches the service and
  // no wrapper process keeps a copy of its environment. Stack traces map back to the sources.
  // In the launcher's process group: whatever stops the group (a terminal's Ctrl-C or hang-up, a
  // test runner's) stops the service too, even if the launcher cannot.
  const proc = spawn(process.execPath, ["--enable-source-maps", ...heapArgs(opts.env), ...(opts.nodeArgs ?? []), main], {
    // HARNESS_PARENT_PID: the service drains if this process is gone (killed outright, crashed).
    cwd: REPO_ROOT, env: { ...opts.env, HARNESS_PARENT_PID: String(process.pid) }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let partial = "";
  const onData = (d: Buffer) => {
    const text = d.toString();
    out = (out + text).slice(-500_000);
    if (!opts.onLine) return;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line) opts.onLine(label, line);
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  const sp: ServiceProc = { name, proc, output: () => out };
  opts.onSpawn?.(sp);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const m = READY[name].exec(out);
    if (m) return m[1] ? { sp, url: m[1] } : { sp };
    // Killed by a signal, it has a signalCode and no exit code.
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${label} exited with ${proc.exitCode ?? proc.signalCode}:\n${out.slice(-4_000)}`);
    if (opts.signal?.aborted) {
      await stopService(sp);
      throw new Error(`${label} was stopped while starting`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill("SIGKILL");
  throw new Error(`${label} did not become ready in time:\n${out.slice(-4_000)}`);
}

/** SIGTERM (drain), then SIGKILL if it does not exit in time. */
export async function stopService(sp: ServiceProc, signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
  const p = sp.proc;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (p.exitCode === null && p.signalCode === null) { p.kill("SIGKILL"); await exited; }
}
