import { createServer, type Server } from "node:http";
import type { Logger } from "@harness/logger";

/**
 * Runs `stop` once on SIGTERM/SIGINT (drain in-flight work, close NATS), then exits.
 * A second signal exits at once.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, "draining");
    stop().then(
      () => { logger.info("stopped"); process.exit(0); },
      (err: unknown) => { logger.error({ err }, "error while draining"); process.exit(1); },
    );
  };
  process.once("SIGTERM", () => handler("SIGTERM"));
  process.once("SIGINT", () => handler("SIGINT"));
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
