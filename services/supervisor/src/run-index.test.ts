import { connectBus, type Bus } from "@harness/bus";
import { RunOptions, type RunState } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The test kit is not a dependency of the service (tests only); it is reached by path.
import { useNatsServer } from "../../../packages/testkit/src/index.js";
import { initialState } from "./reducer.js";
import { RunIndex } from "./run-index.js";

const nats = useNatsServer();
let bus: Bus;
/** Values read from the bucket, by key: what the index exists to keep down. */
const reads: string[] = [];
/** While set, reads of values wait for it. */
let readsHeld: Promise<void> | undefined;
/** While set, called when a listing of revisions is done. */
let onListed: (() => void) | undefined;

beforeAll(async () => {
  bus = await connectBus({ ...nats.as(), name: "run-index-test", logger: createLogger("test", { level: "silent" }) });
  await bus.provision({ evaluators: ["core"] });
  const get = bus.runs.get.bind(bus.runs);
  bus.runs.get = async (key) => { reads.push(key); await readsHeld; return get(key); };
  const revisions = bus.runs.revisions.bind(bus.runs);
  bus.runs.revisions = async (filter) => { const out = await revisions(filter); onListed?.(); return out; };
});
afterAll(async () => { await bus?.close(); });

const state = (id: string, minute: number): RunState =>
  ({ ...initialState(id, `prompt of ${id}`, RunOptions.parse({}), `2026-01-01T00:${String(minute).padStart(2, "0")}:00.000Z`), status: "completed" });

async function setStatus(id: string, status: RunState["status"]): Promise<void> {
  const entry = (await bus.runs.get(id))!;
  await bus.runs.update(id, { ...(entry.value as RunState), status }, entry.revision);
}

describe("supervisor - the run index", () => {
  it("lists every run newest first, and on later listings reads only the runs whose state changed", async () => {
    for (let i = 0; i < 30; i++) await bus.runs.create(`idx-${i}`, state(`idx-${i}`, i));
    // Ledgers and sprint records share the bucket; they are not runs.
    await bus.runs.put("idx-3.ledger", { id: "idx-3" });
    const index = new RunIndex(bus);

    reads.length = 0;
    const first = await index.list();
    expect(first.map((r) => r.id)).toEqual(Array.from({ length: 30 }, (_, i) => `idx-${29 - i}`));
    expect(reads).toHaveLength(30);

    reads.length = 0;
    expect((await index.list()).map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(reads).toEqual([]);

    await setStatus("idx-7", "failed");
    await bus.runs.create("idx-30", state("idx-30", 30));
    reads.length = 0;
    const later = await index.list();
    expect(reads.filter((k) => k.startsWith("idx-")).sort()).toEqual(["idx-30", "idx-7"]);
    expect(later[0]?.id).toBe("idx-30");
    expect(later.find((r) => r.id === "idx-7")?.status).toBe("failed");
    expect(later).toHaveLength(31);
  });

  it("a listing asked for while another is under way still sees a run created just before it was asked for", async () => {
    const index = new RunIndex(bus);
    await index.list();
    await setStatus("idx-1", "cancelled");
    // The listing under way has read the revisions and is reading the changed run when the new run is created.
    let release = () => {};
    readsHeld = new Promise<void>((resolve) => { release = resolve; });
    const wasListed = new Promise<void>((resolve) => { onListed = resolve; });
    const running = index.list();
    await wasListed;
    onListed = undefined;
    await bus.runs.create("idx-late", state("idx-late", 59));
    const asked = index.list();
    readsHeld = undefined;
    release();
    expect((await running).map((r) => r.id)).not.toContain("idx-late");
    expect((await asked).map((r) => r.id)).toContain("idx-late");
  });

  it("answers a caller that accepts an older listing from the last one, within the age it accepts", async () => {
    const index = new RunIndex(bus);
    await index.list();
    await bus.runs.create("idx-aged", state("idx-aged", 58));
    reads.length = 0;
    expect((await index.list({ maxAgeMs: 60_000 })).map((r) => r.id)).not.toContain("idx-aged");
    expect(reads).toEqual([]);
    expect((await index.list({ maxAgeMs: 0 })).map((r) => r.id)).toContain("idx-aged");
  });

  it("leaves out a state of a newer format, which this version cannot read in full, and lists it once it can", async () => {
    const index = new RunIndex(bus);
    await bus.runs.create("idx-future", { ...state("idx-future", 1), format: 99, somethingNew: { shape: "unknown" } });
    expect((await index.list()).map((r) => r.id)).not.toContain("idx-future");
    const entry = (await bus.runs.get("idx-future"))!;
    await bus.runs.update("idx-future", state("idx-future", 1), entry.revision);
    expect((await index.list()).map((r) => r.id)).toContain("idx-future");
  });
});
