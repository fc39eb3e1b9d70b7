import { chmodSync, realpathSync, rmSync, statSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { isSecretEnvName } from "./env.js";
import { isInside } from "./paths.js";
import { killGroup, spawnLocalGroup } from "./process-group.js";
import { encodeFrame, eventFrame, FRAME, LineReader, SignalRequest, SpawnRequest } from "./runner-protocol.js";

export interface RunnerOptions {
  /** The unix socket to listen on, in a volume shared with the service container only. */
  socketPath: string;
  /** Commands may run only in folders inside this one (the shared workspace volume). */
  root: string;
}

/**
 * The command runner of the sidecar layout (HARNESS_SANDBOX=runner): a process in its own
 * container, as its own uid, that shares only the workspace volume with the service. It holds no
 * credential and runs what the service sends it (runner-protocol.ts), so the code it runs cannot
 * read the service's secret files (not mounted here) or its /proc (another container).
 */
export async function startRunner(opts: RunnerOptions): Promise<{ close(): Promise<void> }> {
  const root = realpathSync(opts.root);
  // Files the service writes must stay writable for us and ours for it: the two share a group.
  process.umask(0o007);
  rmSync(opts.socketPath, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    serve(socket, root);
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(opts.socketPath, resolve); });
  // The service runs as another uid: the socket's folder is the boundary (a volume of the pod's two containers).
  chmodSync(opts.socketPath, 0o666);
  // Stopping ends every command under way: each connection's close kills its process group.
  return {
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}

function serve(socket: Socket, root: string): void {
  const lines = new LineReader();
  let pid: number | undefined;
  let closed = false;
  const send = (b: Buffer): void => { if (!socket.destroyed) socket.write(b); };
  const refuse = (message: string): void => { send(eventFrame({ event: "error", message })); socket.end(); };

  socket.on("data", (chunk: Buffer) => {
    let received: string[];
    try { received = lines.push(chunk); } catch (err) { refuse(err instanceof Error ? err.message : String(err)); return; }
    for (const line of received) {
      let json: unknown;
      try { json = JSON.parse(line); } catch { refuse("a request is not JSON"); return; }
      if (pid === undefined) {
        const req = SpawnRequest.safeParse(json);
        if (!req.success) { refuse(`bad spawn request: ${req.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`).join("; ")}`); return; }
        const cwd = checkedCwd(req.data.cwd, root);
        if (typeof cwd !== "string") { refuse(cwd.error); return; }
        pid = start(req.data, cwd, send, () => { closed = true; socket.end(); }) ?? -1;
        continue;
      }
      const sig = SignalRequest.safeParse(json);
      if (!sig.success) { refuse("after the spawn request only signal requests are accepted"); return; }
      if (pid > 0) killGroup(pid, sig.data.signal);
    }
  });
  // The service went away (or gave up on us): nothing it started may go on running.
  socket.on("close", () => { if (!closed && pid !== undefined && pid > 0) killGroup(pid, "SIGKILL"); });
  socket.on("error", () => undefined);
}

function checkedCwd(cwd: string, root: string): string | { error: string } {
  let real: string;
  try { real = realpathSync(cwd); } catch { return { error: `cwd ${cwd} does not exist` }; }
  if (!isInside(root, real)) return { error: `cwd ${cwd} is outside the runner's root ${root}` };
  if (!statSync(real).isDirectory()) return { error: `cwd ${cwd} is not a directory` };
  return real;
}

function start(req: SpawnRequest, cwd: string, send: (b: Buffer) => void, done: () => void): number | undefined {
  // The service scrubs the environment; a secret-looking name is dropped here too, whoever sent it.
  const env = Object.fromEntries(Object.entries(req.env).filter(([k]) => !isSecretEnvName(k)));
  const [file = "", ...args] = req.argv;
  const child = spawnLocalGroup(file, args, cwd, env, undefined, req.stdin !== undefined);
  child.stdout?.on("data", (c: Buffer) => send(encodeFrame(FRAME.stdout, c)));
  child.stderr?.on("data", (c: Buffer) => send(encodeFrame(FRAME.stderr, c)));
  child.stdin?.on("error", () => undefined);
  child.stdin?.end(req.stdin ?? "");
  child.once("error", (err) => { send(eventFrame({ event: "error", message: `could not start ${file}: ${err.message}` })); done(); });
  child.once("exit", (code, signal) => send(eventFrame({ event: "exit", code, signal })));
  child.once("close", () => { if (child.pid !== undefined) killGroup(child.pid); send(eventFrame({ event: "closed" })); done(); });
  if (child.pid !== undefined) send(eventFrame({ event: "started", pid: child.pid }));
  return child.pid;
}
