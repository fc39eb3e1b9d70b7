import { RetryableError } from "@harness/bus";
import { RUN_STATE_FORMAT, RunState } from "@harness/contracts";
import { createLogger } from "@harness/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The test kit is not a dependency of the service (tests only); it is reached by path.
import { useNatsServer } from "../../../packages/testkit/src/index.js";
import { foldEvent } from "./fold.js";
import { initialState } from "./reducer.js";
import { RunCache } from "./run-cache.js";
import { ev, options, startTestSupervisor, type TestSupervisor } from "./test-fixtures.js";

const nats = useNatsServer();
let sup: TestSupervisor;
beforeAll(async () => { sup = await startTestSupervisor(nats.as(), { name: "state-format-test" }); });
afterAll(async () => { await sup?.close(); });

const deps = () => ({ bus: sup.bus, logger: createLogger("supervisor", { level: "silent" }), cache: new RunCache() });
const stored = async (id: string) => (await sup.bus.runs.get(id))!.value as Record<string, unknown>;

describe("supervisor - run state format across versions", () => {
  it("leaves a state a newer supervisor wrote to the replicas that know its format, and changes nothing in it", async () => {
    const id = "format-newer";
    const newer = { ...initialState(id, "p", options(), new Date().toISOString()), format: RUN_STATE_FORMAT + 1, fieldOfTheFuture: { kept: true } };
    await sup.bus.runs.create(id, newer);

    await expect(foldEvent(deps(), ev(id, "run.requested", { prompt: "p", options: options() }))).rejects.toBeInstanceOf(RetryableError);
    expect(await stored(id)).toEqual(newer);
  });

  it("writes its own format into every state it rewrites, an older one's included", async () => {
    const id = "format-older";
    const { format: _none, ...older } = initialState(id, "p", options(), new Date().toISOString());
    await sup.bus.runs.create(id, older);
    expect(RunState.parse(await stored(id)).format).toBe(1);

    expect(await foldEvent(deps(), ev(id, "run.requested", { prompt: "p", options: options() }))).toBe(true);
    const after = RunState.parse(await stored(id));
    expect(after.format).toBe(RUN_STATE_FORMAT);
    expect(after.status).toBe("planning");
  });
});

describe("supervisor - a state of a newer format on an older replica", () => {
  it("is refused before its values are read, shown by no API route of this version, and left alone by the watchdog", async () => {
    const id = "format-unknown-values";
    // A newer format may hold values this version's schema refuses (a new status here).
    const newer = { ...initialState(id, "p", options(), new Date().toISOString()), format: RUN_STATE_FORMAT + 1, status: "hibernating", pending: [{ kind: "event", message: { id: "x" } }] };
    await sup.bus.runs.create(id, newer);

    await expect(foldEvent(deps(), ev(id, "run.requested", { prompt: "p", options: options() }))).rejects.toBeInstanceOf(RetryableError);
    const view = await sup.app.inject({ method: "GET", url: `/runs/${id}` });
    expect(view.statusCode).toBe(503);
    expect(view.json()).toMatchObject({ error: "SUP_ERR_NEWER_STATE_FORMAT" });
    await sup.watchdog.sweep();
    expect(await stored(id)).toEqual(newer);
  });

  it("keeps the format out of the API's view of a run", async () => {
    const id = "format-view";
    await sup.bus.runs.create(id, initialState(id, "p", options(), new Date().toISOString()));
    const view = await sup.app.inject({ method: "GET", url: `/runs/${id}` });
    expect(view.statusCode).toBe(200);
    expect(view.json()).not.toHaveProperty("format");
  });
});
