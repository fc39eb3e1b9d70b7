import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * The client port of a data folder's NATS, kept from one `harness up` to the next: a custom
 * evaluator started with the NATS_URL that `up` or `evaluator add` printed keeps working after
 * a restart. A port someone else took since is not fought over: NATS gets a new one.
 */
const portFile = (dataDir: string) => join(dataDir, "nats.port");

export function savedNatsPort(dataDir: string): number | undefined {
  let text: string;
  try { text = readFileSync(portFile(dataDir), "utf8").trim(); } catch { return undefined; }
  const port = Number(text);
  return Number.isInteger(port) && port > 0 && port <= 65_535 ? port : undefined;
}

export function saveNatsPort(dataDir: string, port: number): void {
  writeFileSync(portFile(dataDir), `${port}\n`, { mode: 0o600 });
}

/** Whether nothing listens on 127.0.0.1:`port` now (NATS binds that address). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts NATS on the folder's previous port when it is free, else on a new one (`start(0)`),
 * and remembers the port it got. A start on the old port that fails (taken between the check
 * and the bind) falls back to a new port too.
 */
export async function withKeptPort<T extends { port: number }>(dataDir: string, start: (port: number) => Promise<T>): Promise<{ server: T; note?: string }> {
  const previous = savedNatsPort(dataDir);
  let server: T | undefined;
  let note: string | undefined;
  if (previous !== undefined) {
    if (await portFree(previous)) {
      try { server = await start(previous); } catch { note = `NATS could not bind its previous port ${previous}: it gets a new one`; }
    } else {
      note = `NATS's previous port ${previous} is taken by another program: it gets a new one`;
    }
  }
  server ??= await start(0);
  saveNatsPort(dataDir, server.port);
  return { server, ...(note ? { note } : {}) };
}
