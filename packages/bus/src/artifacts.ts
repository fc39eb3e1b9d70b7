import type { ArtifactRef } from "@harness/contracts";
import { OBJECT_STORES } from "@harness/contracts";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { Objm, setSha256Backend, type ObjectInfo, type ObjectStore } from "@nats-io/obj";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkBytes, checkMetadata, digestOfName, sha256Of, verifying } from "./artifact-digest.js";
import { ARTIFACT_CHUNK_BYTES } from "./defaults.js";
import { ArtifactIntegrityError } from "./errors.js";
import type { ArtifactStore } from "./types.js";

// The object store hashes every chunk on put and get; node:crypto is several times faster than the
// pure-JS default, which matters at 100 MB.
setSha256Backend("native");

/**
 * Content-addressed artifacts. The name is the digest, so it has to be known before the object is
 * written: bytes in memory are hashed directly; a stream is spooled to a temp file while hashing,
 * then uploaded from the file. Memory stays at a few chunks whatever the size.
 */
export function createArtifactStore(js: JetStreamClient, jsm: JetStreamManager): ArtifactStore {
  let opened: Promise<ObjectStore> | undefined;
  const store = (): Promise<ObjectStore> => {
    opened ??= new Objm(js).open(OBJECT_STORES.artifacts).catch((err: unknown) => { opened = undefined; throw err; });
    return opened;
  };

  const upload = async (digest: string, size: number, open: () => ReadableStream<Uint8Array>): Promise<ArtifactRef> => {
    const name = `sha256-${digest}`;
    const os = await store();
    const existing = await os.info(name);
    // Same name means same bytes: a second put of an artifact is a no-op, unless what is stored
    // under the name is no longer those bytes (replaced): then the put restores them.
    const intact = existing !== null && !existing.deleted && existing.size === size && sha256Of(existing.digest)?.toString("hex") === digest;
    if (!intact) {
      await os.put({ name, options: { max_chunk_size: ARTIFACT_CHUNK_BYTES } }, open());
    }
    return { name, digest, size };
  };

  return {
    async put(data) {
      if (data instanceof Uint8Array) {
        const digest = createHash("sha256").update(data).digest("hex");
        return upload(digest, data.byteLength, () => chunksOf(data));
      }
      const dir = await mkdtemp(join(tmpdir(), "harness-artifact-"));
      try {
        const file = join(dir, "blob");
        const hash = createHash("sha256");
        let size = 0;
        const hashing = async function* (): AsyncGenerator<Uint8Array> {
          for await (const chunk of data) {
            hash.update(chunk);
            size += chunk.byteLength;
            yield chunk;
          }
        };
        await pipeline(Readable.from(hashing()), createWriteStream(file));
        const digest = hash.digest("hex");
        return await upload(digest, size, () => Readable.toWeb(createReadStream(file, { highWaterMark: ARTIFACT_CHUNK_BYTES })) as ReadableStream<Uint8Array>);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async get(name) {
      const os = await store();
      const info = await os.info(name);
      if (info === null || info.deleted) return null;
      const expected = digestOfName(name);
      checkMetadata(name, expected, info);
      // A chunk gone between the two reads was replaced by a second put of the same bytes: the
      // client's own get reads the object's current metadata again.
      const whole = info.chunks === 1 && !info.options?.link ? await oneChunk(jsm, info, expected) : null;
      if (whole !== null) return whole;
      // Hashed here too: the client checks against metadata it reads again (or a link's target).
      const bytes = await os.getBlob(name);
      if (bytes !== null) checkBytes(name, expected, bytes);
      return bytes;
    },
    async getStream(name) {
      const r = await (await store()).get(name);
      if (r === null) return null;
      // The stream itself errors on a bad digest; this promise repeats it and must not go unhandled.
      r.error.catch(() => undefined);
      const expected = digestOfName(name);
      if (expected === null) return r.data;
      try {
        checkMetadata(name, expected, r.info);
      } catch (err) {
        await r.data.cancel().catch(() => undefined);
        throw err;
      }
      return verifying(name, expected, r.data);
    },
    async has(name) {
      const info = await (await store()).info(name);
      return info !== null && !info.deleted;
    },
  };
}

// The object store's layout (nats.js and every other client agree on it): stream OBJ_<bucket>,
// chunks on $O.<bucket>.C.<nuid>.
const OBJ_STREAM = `OBJ_${OBJECT_STORES.artifacts}`;
const chunkSubject = (nuid: string): string => `$O.${OBJECT_STORES.artifacts}.C.${nuid}`;

/**
 * Most artifacts fit in one chunk. The client's get reads chunks through an ordered consumer,
 * created and deleted on the server for every read; one chunk is one direct get instead (raw
 * bytes, where the stream message API would send them base64 inside JSON). The bytes are held to
 * the name's digest, or for other names to the metadata's. Null when the chunk is gone or there
 * is no digest this reads: the caller falls back to the client's get.
 */
async function oneChunk(jsm: JetStreamManager, info: ObjectInfo, named: Buffer | null): Promise<Uint8Array | null> {
  const expected = named ?? sha256Of(info.digest);
  if (expected === null) return null;
  const m = await jsm.direct.getMessage(OBJ_STREAM, { last_by_subj: chunkSubject(info.nuid) });
  if (m === null) return null;
  const data = m.data;
  if (data.byteLength !== info.size || !createHash("sha256").update(data).digest().equals(expected)) {
    throw new ArtifactIntegrityError(info.name, `received a corrupt object: ${data.byteLength} bytes, expected ${info.size} with digest ${info.digest}`);
  }
  // A plain Uint8Array, as the client's get returns, not the Buffer the message holds.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function chunksOf(data: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(data.subarray(offset, offset + ARTIFACT_CHUNK_BYTES));
      offset += ARTIFACT_CHUNK_BYTES;
    },
  });
}
