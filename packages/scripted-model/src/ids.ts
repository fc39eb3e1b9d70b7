import { createHash } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/*
 * Ids shaped like the real API's (`msg_01` + 22 base62 chars) but derived from a counter, so a
 * replayed script yields the same ids and recorded transcripts can be compared byte for byte.
 */
export class IdSource {
  #counter = 0;

  next(prefix: "msg" | "toolu" | "req"): string {
    this.#counter += 1;
    const digest = createHash("sha256").update(`${prefix}:${this.#counter}`).digest();
    let body = "";
    for (let i = 0; i < 22; i++) body += BASE62[(digest[i] ?? 0) % BASE62.length];
    return prefix === "req" ? `req_011C${body}` : `${prefix}_01${body}`;
  }

  reset(): void {
    this.#counter = 0;
  }
}
