import type { ObjectInfo } from "@nats-io/obj";
import { createHash } from "node:crypto";
import { ArtifactIntegrityError } from "./errors.js";

/*
 * An artifact's name is its digest, and messages carry only the name: whoever reads an artifact
 * trusts that the bytes are the ones the name was made from. The object store's own check only
 * compares the bytes with the digest in the object's metadata, which whoever writes the object
 * also writes, and every role with artifact access can write. So reads hold the bytes to the name.
 */

/** The digest a content-addressed name (`sha256-<hex>`) promises; null for any other name. */
export function digestOfName(name: string): Buffer | null {
  const hex = /^sha256-([0-9a-f]{64})$/.exec(name)?.[1];
  return hex === undefined ? null : Buffer.from(hex, "hex");
}

/**
 * The 32 bytes of an object's `SHA-256=` digest. Clients write it as base64url (padded or not);
 * other clients and older versions as standard base64 or hex, which the client's own check accepts too.
 */
export function sha256Of(digest: string): Buffer | null {
  const value = /^SHA-256=(.+)$/i.exec(digest)?.[1];
  if (value === undefined) return null;
  // Node's base64 decoder reads both alphabets, with or without padding.
  const bytes = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  return bytes.length === 32 ? bytes : null;
}

/** Fails before a byte is read when the metadata already describes other content than the name. */
export function checkMetadata(name: string, expected: Buffer | null, info: Pick<ObjectInfo, "digest">): void {
  if (expected === null) return;
  const stored = sha256Of(info.digest);
  if (stored !== null && !stored.equals(expected)) {
    throw new ArtifactIntegrityError(name, `the object stored under this name has digest ${info.digest}: it was replaced`);
  }
}

export function checkBytes(name: string, expected: Buffer | null, data: Uint8Array): void {
  if (expected === null) return;
  const actual = createHash("sha256").update(data).digest();
  if (!actual.equals(expected)) throw new ArtifactIntegrityError(name, `its ${data.byteLength} bytes hash to sha256-${actual.toString("hex")}`);
}

/**
 * The same bytes, hashed on the way through; the stream errors at its end when they do not match
 * the name, so a reader that finishes without an error has read the artifact the name promises.
 */
export function verifying(name: string, expected: Buffer, stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const hash = createHash("sha256");
  let size = 0;
  return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush() {
      const actual = hash.digest();
      if (!actual.equals(expected)) throw new ArtifactIntegrityError(name, `its ${size} bytes hash to sha256-${actual.toString("hex")}`);
    },
  }));
}
