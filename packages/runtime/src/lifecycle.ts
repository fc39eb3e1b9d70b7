import { createServer, type Server } from "node:http";
import type { Logger } from "@harness/logger";

/**
 * Runs `stop` once on SIGTERM/SIGINT/SIGHUP (drain in-flight work, close NATS), then exits.
 * Only Ctrl-C pressed twice (SIGINT again) exits at once. Any other signal while draining is
 * ignored: a terminal's Ctrl-C, or a SIGTERM sent to the whole process group (`timeout`, systemd),
 * reaches every service and is then followed by the launcher's own SIGTERM to each, which must not
 * cut the drain short; a launcher that stops waiting sends SIGKILL.
 *
 * Under a local launcher (`harness up` sets HARNESS_PARENT_PID), a service also drains when that
 * parent is gone: a launcher killed outright would otherwise leave it running on its own.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping: string | undefined;
  const handler = (signal: string) => {
    if (stopping && signal === "SIGINT" && stopping === "SIGINT") process.exit(1);
    // Expected under a launcher (the group's signal, then the launcher's): not worth a line.
    if (stopping) { logger.debug({ signal }, "already draining"); return; }
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
  const parent = Number(process.env["HARNESS_PARENT_PID"]);
  if (Number.isSafeInteger(parent) && parent > 1) {
    const watch = setInterval(() => { if (process.ppid !== parent) { clearInterval(watch); handler("parent gone"); } }, 1_000);
    watch.unref();
  }
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
