import { EventEmitter } from "node:events";
import { connect, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import { ERROR_CODES, WorkspaceError } from "./errors.js";
import type { Group, GroupLeader } from "./process-group.js";
import { FRAME, FrameReader, type RunnerEvent, type SignalRequest, type SpawnRequest } from "./runner-protocol.js";

// A runner that accepted a kill but never reports the exit is treated as gone after this long.
const KILL_ANSWER_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** The command runner (HARNESS_RUNNER_SOCKET) is not there or stopped answering. Retry later. */
export class RunnerUnavailableError extends WorkspaceError {
  readonly retryable = true;
  constructor(socket: string, why: string, options?: ErrorOptions) {
    super(`the command runner at ${socket} ${why}; is the runner container running? The work can be retried once it is.`, ERROR_CODES.runner, options);
    this.name = "RunnerUnavailableError";
  }
}

class RemoteLeader extends EventEmitter implements GroupLeader {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
}

/**
 * Runs `argv` in `cwd` through the runner as a process group: the same shape as a local group
 * (output streams; `exit`, `error`, `close` events; kill), so commands and servers do not care
 * where they run. A runner that is gone or goes away gives an `error` with RunnerUnavailableError.
 */
export function spawnRemote(socketPath: string, argv: string[], cwd: string, env: Record<string, string>, stdin?: string): Group {
  const leader = new RemoteLeader();
  const socket: Socket = connect(socketPath);
  const reader = new FrameReader();
  let started = false;
  let exited = false;
  let finished = false;
  let killTimer: NodeJS.Timeout | undefined;
  const connectTimer = setTimeout(() => fail("did not accept a connection in time"), CONNECT_TIMEOUT_MS);

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(killTimer);
    clearTimeout(connectTimer);
    leader.stdout.end();
    leader.stderr.end();
    socket.destroy();
    setImmediate(() => leader.emit("close", null, null));
  };
  const fail = (why: string, cause?: unknown): void => {
    if (finished) return;
    leader.emit("error", new RunnerUnavailableError(socketPath, why, cause === undefined ? undefined : { cause }));
    finish();
  };

  socket.once("connect", () => {
    clearTimeout(connectTimer);
    const request: SpawnRequest = { v: 1, op: "spawn", cwd, argv, env, ...(stdin !== undefined ? { stdin } : {}) };
    socket.write(`${JSON.stringify(request)}\n`);
  });
  socket.on("data", (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) {
      if (frame.type === FRAME.stdout) leader.stdout.write(frame.payload);
      else if (frame.type === FRAME.stderr) leader.stderr.write(frame.payload);
      else if (frame.type === FRAME.event) onEvent(JSON.parse(frame.payload.toString("utf8")) as RunnerEvent);
    }
  });
  const onEvent = (e: RunnerEvent): void => {
    if (e.event === "started") started = true;
    else if (e.event === "exit") { exited = true; clearTimeout(killTimer); leader.emit("exit", e.code, e.signal); }
    else if (e.event === "closed") finish();
    else if (!finished) {
      // The runner refused the request (or could not spawn): an error of the command, not of the runner.
      leader.emit("error", new WorkspaceError(`the command runner refused the command: ${e.message}`, ERROR_CODES.runner));
      finish();
    }
  };
  // runCommand gives up on pipes a detached grandchild holds open: the connection goes with them.
  let pipesClosed = 0;
  for (const pipe of [leader.stdout, leader.stderr]) pipe.once("close", () => { if (++pipesClosed === 2 && exited) finish(); });
  socket.on("error", (err: NodeJS.ErrnoException) => fail(err.code === "ENOENT" || err.code === "ECONNREFUSED" ? "is not listening" : `failed (${err.message})`, err));
  socket.on("close", () => { if (!finished) fail(started && !exited ? "went away while the command ran" : "closed the connection"); });

  const send = (req: SignalRequest): void => { if (!finished && socket.writable) socket.write(`${JSON.stringify(req)}\n`); };
  return {
    leader,
    kill(signal: NodeJS.Signals = "SIGKILL") {
      if (finished) return;
      if (signal !== "SIGTERM" && signal !== "SIGKILL" && signal !== "SIGINT") signal = "SIGKILL";
      send({ op: "signal", signal });
      if (signal === "SIGKILL" && !exited) {
        clearTimeout(killTimer);
        killTimer = setTimeout(() => fail("did not report the end of a killed command"), KILL_ANSWER_MS);
      }
    },
    alive: () => !finished && !exited,
  };
}

/** A whole remote run with its output collected (git): like execFile. */
export function runRemote(socketPath: string, argv: string[], cwd: string, env: Record<string, string>, opts: { stdin?: string; timeoutMs: number; maxBuffer: number }): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const group = spawnRemote(socketPath, argv, cwd, env, opts.stdin ?? "");
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
    const keep = (into: Buffer[]) => (c: Buffer): void => {
      size += c.length;
      if (size > opts.maxBuffer) group.kill("SIGKILL");
      else into.push(c);
    };
    group.leader.stdout.on("data", keep(out));
    group.leader.stderr.on("data", keep(err));
    const timer = setTimeout(() => group.kill("SIGKILL"), opts.timeoutMs);
    group.leader.once("exit", (code: number | null, signal: string | null) => { exit = { code, signal }; });
    group.leader.once("error", (e: Error) => { clearTimeout(timer); reject(e); });
    group.leader.once("close", () => {
      clearTimeout(timer);
      resolve({ ...exit, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}
