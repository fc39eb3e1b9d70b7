import { randomBytes } from "node:crypto";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

// One syscall fills many trace ids; publish is the hot path.
const POOL_BYTES = 24 * 256;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

function random24(): string {
  if (offset >= POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + 24);
  offset += 24;
  return hex;
}

/** A fresh sampled W3C traceparent: `00-<trace-id>-<span-id>-01`. */
export function newTraceparent(): string {
  const hex = random24();
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
}

/** W3C rejects all-zero ids; an invalid header is dropped rather than forwarded. */
export function isTraceparent(value: string | undefined): value is string {
  if (value === undefined) return false;
  const m = TRACEPARENT.exec(value);
  return m !== null && m[1] !== ZERO_TRACE && m[2] !== ZERO_SPAN;
}
