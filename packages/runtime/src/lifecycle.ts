import { createServer, type Server } from "node:http";
import type { Logger } from "@harness/logger";

/**
 * Runs `stop` once on SIGTERM/SIGINT/SIGHUP (drain in-flight work, close NATS), then exits.
 * The same signal again (Ctrl-C pressed twice) exits at once. The other one while draining is
 * ignored: a terminal's Ctrl-C reaches every process in the group, and then the launcher
 * (`harness up`) sends each service its SIGTERM, which must not cut the drain short.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping: string | undefined;
  const handler = (signal: string) => {
    if (stopping === signal) process.exit(1);
    if (stopping) { logger.info({ signal }, "already draining"); return; }
    stopping = signal;
    logger.info({ signal }, "draining");
    stop().then(
      () => { logger.info("stopped"); process.exit(0); },
      (err: unknown) => { logger.error({ err }, "error while draining"); process.exit(1); },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
  // A closed terminal, under `harness up`: drained like any stop, not killed mid-work.
  process.on("SIGHUP", () => handler("SIGHUP"));
}

/** /healthz (process up) and /readyz (`ready()` true) for container probes. */
export function startHealthServer(port: number | undefined, ready: () => boolean): Promise<Server | undefined> {
  if (port === undefined) return Promise.resolve(undefined);
  const server = createServer((req, res) => {
    const ok = req.url === "/healthz" ? true : req.url === "/readyz" ? ready() : undefined;
    res.writeHead(ok === undefined ? 404 : ok ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: ok ?? false }));
  });
  return new Promise((resolve) => server.listen(port, "0.0.0.0", () => resolve(server)));
}
