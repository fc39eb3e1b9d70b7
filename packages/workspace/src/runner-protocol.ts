import { z } from "zod";

/*
 * The command runner's wire protocol (runner-server.ts, runner-client.ts), one unix-socket
 * connection per process:
 *   service -> runner: JSON lines. First a SpawnRequest, then any number of SignalRequests.
 *   runner -> service: frames of [type: 1 byte][length: 4 bytes, big-endian][payload], type
 *   STDOUT or STDERR (raw bytes), or EVENT (a RunnerEvent as JSON).
 * The runner checks everything it is sent (strict schemas, sizes, the working directory inside its
 * root) and answers a bad request with an `error` event and a closed connection. Closing the
 * connection kills the process group: a service that dies leaves nothing running.
 */

export const FRAME = { stdout: 1, stderr: 2, event: 3 } as const;
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const MAX_ARG = 256 * 1024;
const NO_NUL = (s: string): boolean => !s.includes("\0");

const Text = (max: number) => z.string().max(max).refine(NO_NUL, "must not contain NUL");

export const SpawnRequest = z.strictObject({
  v: z.literal(1),
  op: z.literal("spawn"),
  /** Absolute; must resolve inside the runner's root (the shared workspace volume). */
  cwd: Text(4096).refine((p) => p.startsWith("/"), "must be absolute"),
  argv: z.array(Text(MAX_ARG)).min(1).max(4096),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).max(256), Text(32 * 1024)).refine((e) => Object.keys(e).length <= 512, "at most 512 variables"),
  /** Written to the process's stdin, which is then closed; without it stdin is closed at once. */
  stdin: Text(1024 * 1024).optional(),
});
export type SpawnRequest = z.infer<typeof SpawnRequest>;

export const SignalRequest = z.strictObject({ op: z.literal("signal"), signal: z.enum(["SIGTERM", "SIGKILL", "SIGINT"]) });
export type SignalRequest = z.infer<typeof SignalRequest>;

export type RunnerEvent =
  | { event: "started"; pid: number }
  | { event: "exit"; code: number | null; signal: string | null }
  /** Every pipe of the process closed: nothing more will be sent. */
  | { event: "closed" }
  | { event: "error"; message: string };

export function encodeFrame(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export function eventFrame(e: RunnerEvent): Buffer {
  return encodeFrame(FRAME.event, Buffer.from(JSON.stringify(e)));
}

/** Splits a byte stream into frames; `push` returns the complete ones so far. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: number; payload: Buffer }> {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Array<{ type: number; payload: Buffer }> = [];
    while (this.#buf.length >= 5) {
      const len = this.#buf.readUInt32BE(1);
      if (this.#buf.length < 5 + len) break;
      out.push({ type: this.#buf.readUInt8(0), payload: this.#buf.subarray(5, 5 + len) });
      this.#buf = this.#buf.subarray(5 + len);
    }
    return out;
  }
}

/** JSON lines, each at most MAX_REQUEST_BYTES; a longer one is an error, not a buffer that grows forever. */
export class LineReader {
  #buf = "";

  push(chunk: Buffer): string[] {
    this.#buf += chunk.toString("utf8");
    const lines = this.#buf.split("\n");
    this.#buf = lines.pop() ?? "";
    if (this.#buf.length > MAX_REQUEST_BYTES) throw new Error(`a request line is over ${MAX_REQUEST_BYTES} bytes`);
    return lines.filter((l) => l.trim() !== "");
  }
}
