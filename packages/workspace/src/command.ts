import type { Readable } from "node:stream";
import { scrubbedEnv } from "./env.js";
import { OutputCapture } from "./output.js";
import { realRoot } from "./paths.js";
import { spawnGroup } from "./process-group.js";

export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
// A grandchild that called setsid escapes the group kill but can still hold our pipes open;
// after the shell is gone we wait this long for them to close, then stop listening.
const CLOSE_GRACE_MS = 1_000;

export interface CommandOptions {
  /** Wall-clock limit; the whole process group is killed when it is reached. Default 120 s. */
  timeoutMs?: number;
  /** Per stream (stdout and stderr each): head and tail are kept, the middle elided. Default 64 KiB. */
  maxOutputBytes?: number;
  /** Added on top of the scrubbed environment (secret-looking names are still dropped). */
  env?: Record<string, string>;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The caller's AbortSignal fired and the process group was killed. */
  aborted: boolean;
  durationMs: number;
  /** Bytes of stdout and stderr together that were elided from the middle. */
  elidedBytes: number;
}

/**
 * Runs `command` with the shell in the workspace, stdin closed. Anything the command leaves
 * running in the background when it exits is killed too: long-lived processes belong to
 * ServerRegistry, which stops them when the build ends.
 */
export async function runCommand(root: string, command: string, opts: CommandOptions & { signal?: AbortSignal } = {}): Promise<CommandResult> {
  const cwd = realRoot(root);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stdout = new OutputCapture(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  const stderr = new OutputCapture(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  const started = performance.now();
  const group = await spawnGroup(command, cwd, scrubbedEnv(opts.env));
  const child = group.leader;
  const pipes: Readable[] = [child.stdout, child.stderr];
  let timedOut = false;
  let aborted = false;
  let exit: { code: number | null; signal: string | null } | undefined;

  return new Promise<CommandResult>((resolve, reject) => {
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => { timedOut = true; group.kill(); }, timeoutMs);
    const onAbort = (): void => { aborted = true; group.kill(); };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });

    const settle = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      opts.signal?.removeEventListener("abort", onAbort);
      for (const p of pipes) p.destroy();
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: stdout.text(),
        stderr: stderr.text(),
        timedOut,
        aborted,
        durationMs: Math.round(performance.now() - started),
        elidedBytes: stdout.elidedBytes + stderr.elidedBytes,
      });
    };

    child.stdout.on("data", (c: Buffer) => stdout.write(c));
    child.stderr.on("data", (c: Buffer) => stderr.write(c));
    child.once("error", (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      group.kill();
      reject(err);
    });
    child.once("exit", (code: number | null, signal: string | null) => {
      exit = { code, signal };
      group.kill();
      grace = setTimeout(settle, CLOSE_GRACE_MS);
    });
    child.once("close", settle);
  });
}

/** The text run_command shows the model. */
export function formatCommandResult(r: CommandResult, timeoutMs: number): string {
  let status = `exit code ${r.exitCode ?? "none"}`;
  if (r.timedOut) status += ` (timed out after ${timeoutMs} ms: the command and its child processes were killed)`;
  else if (r.aborted) status += " (cancelled: the command and its child processes were killed)";
  else if (r.signal !== null) status += ` (terminated by ${r.signal})`;
  return `${status}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
