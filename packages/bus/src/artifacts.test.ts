
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OBJECT_STORES } from "@harness/contracts";
import { Objm } from "@nats-io/obj";
import { headers } from "@nats-io/transport-node";
import { verifying } from "./artifact-digest.js";
import { ARTIFACT_CHUNK_BYTES } from "./defaults.js";
import { ArtifactIntegrityError } from "./errors.js";
import { useProvisionedBus } from "./test-fixtures/messages.js";
import type { Bus } from "./types.js";

let bus: Bus;
useProvisionedBus((b) => { bus = b; });

const MB = 1024 * 1024;

/** Deterministic pseudo-random megabytes (xorshift32), hashed as they are produced; one chunk in memory at a time. */
async function* megabytes(count: number, seed: number, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    const words = new Uint32Array(MB / 4);
    for (let j = 0; j < words.length; j++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      words[j] = x;
    }
    const chunk = new Uint8Array(words.buffer);
    hash.update(chunk);
    yield chunk;
  }
}

describe("bus - artifacts", () => {
  it("round-trips a 100 MB artifact through the object store with the same digest", async () => {
    const produced = createHash("sha256");
    const ref = await bus.artifacts.put(megabytes(100, 42, produced));
    const digest = produced.digest("hex");
    expect(ref).toEqual({ name: `sha256-${digest}`, digest, size: 100 * MB });
    expect(await bus.artifacts.has(ref.name)).toBe(true);

    const stream = await bus.artifacts.getStream(ref.name);
    expect(stream).not.toBeNull();
    const read = createHash("sha256");
    let size = 0;
    for await (const chunk of stream ?? []) {
      read.update(chunk);
      size += chunk.byteLength;
    }
    expect(size).toBe(100 * MB);
    expect(read.digest("hex")).toBe(digest);
  });

  it("stores the same bytes twice under one content-addressed name", async () => {
    const bytes = new TextEncoder().encode("snapshot of a workspace");
    const a = await bus.artifacts.put(bytes);
    const b = await bus.artifacts.put((async function* () { yield bytes.subarray(0, 5); yield bytes.subarray(5); })());
    expect(b).toEqual(a);
    expect(a.digest).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(new TextDecoder().decode((await bus.artifacts.get(a.name)) ?? new Uint8Array())).toBe("snapshot of a workspace");
    expect(await bus.artifacts.get(`sha256-${"0".repeat(64)}`)).toBeNull();
    expect(await bus.artifacts.has(`sha256-${"0".repeat(64)}`)).toBe(false);
  });

  it("reads a one-chunk artifact whole and refuses one whose stored chunk no longer matches its digest", async () => {
    const bytes = new TextEncoder().encode("one small chunk of workspace");
    const ref = await bus.artifacts.put(bytes);
    // One message read, without a consumer made on the server for it (copies of API requests).
    let consumersMade = 0;
    const spy = bus.nc.subscribe("$JS.API.CONSUMER.CREATE.>", { callback: () => { consumersMade++; } });
    expect(await bus.artifacts.get(ref.name)).toEqual(bytes);
    await bus.artifacts.get(`sha256-${createHash("sha256").update("x").digest("hex")}`);
    const big = await bus.artifacts.put(new Uint8Array(ARTIFACT_CHUNK_BYTES + 1));
    await bus.nc.flush();
    expect(consumersMade).toBe(0);
    expect((await bus.artifacts.get(big.name))?.byteLength).toBe(ARTIFACT_CHUNK_BYTES + 1);
    await bus.nc.flush();
    expect(consumersMade).toBe(1);
    spy.unsubscribe();

    // Overwrite the chunk the object's metadata points at, as corruption on the server would.
    const os = await new Objm(bus.js).open(OBJECT_STORES.artifacts);
    const info = await os.info(ref.name);
    expect(info?.chunks).toBe(1);
    await bus.js.publish(`$O.${OBJECT_STORES.artifacts}.C.${info?.nuid ?? ""}`, new TextEncoder().encode("one small chunk of w0rkspace"));
    await expect(bus.artifacts.get(ref.name)).rejects.toThrow(/corrupt object/);
  });

  it("reads a one-chunk artifact whose digest another client wrote as standard base64 or hex", async () => {
    const bytes = new TextEncoder().encode("written by some other client");
    const ref = await bus.artifacts.put(bytes);
    const bucket = OBJECT_STORES.artifacts;
    const b64 = Buffer.from(ref.name).toString("base64url");
    const metaSubject = `$O.${bucket}.M.${b64}${"=".repeat((4 - (b64.length % 4)) % 4)}`;
    const stored = await bus.jsm.streams.getMessage(`OBJ_${bucket}`, { last_by_subj: metaSubject });
    const meta = stored?.json<Record<string, unknown>>() ?? {};
    const raw = createHash("sha256").update(bytes).digest();
    for (const digest of [`SHA-256=${raw.toString("base64")}`, `SHA-256=${raw.toString("hex")}`]) {
      const h = headers();
      h.set("Nats-Rollup", "sub");
      await bus.js.publish(metaSubject, JSON.stringify({ ...meta, digest }), { headers: h });
      expect(await bus.artifacts.get(ref.name), digest).toEqual(bytes);
    }
  });

  it("reads artifacts of several chunks and of no bytes at all", async () => {
    const big = new Uint8Array(ARTIFACT_CHUNK_BYTES * 2 + 17).map((_, i) => i % 251);
    const ref = await bus.artifacts.put(big);
    const got = await bus.artifacts.get(ref.name);
    // Compared by hash: toEqual walks a megabyte element by element for seconds.
    const sha = (b: Uint8Array | null): string => createHash("sha256").update(b ?? "missing").digest("hex");
    expect(got?.byteLength).toBe(big.byteLength);
    expect(sha(got)).toBe(ref.digest);
    const empty = await bus.artifacts.put(new Uint8Array(0));
    expect(await bus.artifacts.get(empty.name)).toEqual(new Uint8Array(0));
  });

  it("refuses an artifact replaced under its name with other bytes, read whole or streamed, until a put restores it", async () => {
    const os = await new Objm(bus.js).open(OBJECT_STORES.artifacts);
    const small = new TextEncoder().encode("the workspace the generator built");
    const big = new Uint8Array(ARTIFACT_CHUNK_BYTES * 2 + 5).map((_, i) => i % 241);
    for (const [bytes, forged] of [[small, new TextEncoder().encode("a workspace that passes anything")], [big, big.map((b) => b ^ 1)]] as const) {
      const ref = await bus.artifacts.put(bytes);
      // What a role with object-store write access can do: a plain put under the existing name.
      await os.putBlob({ name: ref.name, options: { max_chunk_size: ARTIFACT_CHUNK_BYTES } }, forged);
      const err: unknown = await bus.artifacts.get(ref.name).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArtifactIntegrityError);
      expect(err).toMatchObject({ code: "BUS_ERR_ARTIFACT_INTEGRITY", artifact: ref.name });
      expect(String(err)).toMatch(/failed its integrity check: .*replaced/);
      await expect(bus.artifacts.getStream(ref.name)).rejects.toBeInstanceOf(ArtifactIntegrityError);
      // Putting the real bytes again stores them again, rather than keep the forgery as "the same".
      await bus.artifacts.put(bytes);
      expect((await bus.artifacts.get(ref.name))?.byteLength).toBe(bytes.byteLength);
      expect(createHash("sha256").update((await bus.artifacts.get(ref.name)) ?? "").digest("hex")).toBe(ref.digest);
    }
  });

  it("errors a streamed read at its end when the bytes do not hash to the name", async () => {
    const name = `sha256-${createHash("sha256").update("expected").digest("hex")}`;
    const source = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new TextEncoder().encode("something else")); c.close(); } });
    const chunks: Uint8Array[] = [];
    const read = (async () => { for await (const chunk of verifying(name, Buffer.from(name.slice(7), "hex"), source)) chunks.push(chunk); })();
    await expect(read).rejects.toBeInstanceOf(ArtifactIntegrityError);
    await expect(read).rejects.toThrow(/14 bytes hash to sha256-/);
  });
});
