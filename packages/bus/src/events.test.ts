import { RunControl } from "@harness/contracts";
import { waitFor } from "@harness/testkit";
import { describe, expect, it } from "vitest";
import { runControl, useProvisionedBus, testId } from "./test-fixtures/messages.js";
import type { Bus, StoredEvent } from "./types.js";

let bus: Bus;
useProvisionedBus((b) => { bus = b; });

function comments(events: StoredEvent[]): string[] {
  return events.map((e) => (e.message as { payload: { comment: string } }).payload.comment);
}

describe("bus - run events", () => {
  it("reads a run's events in order, after a sequence and up to a limit", async () => {
    const run = testId("run");
    const other = testId("run");
    for (const c of ["1", "2", "3"]) {
      await bus.publish(RunControl, runControl(run, c));
      await bus.publish(RunControl, runControl(other, `other-${c}`));
    }
    const all = await bus.readRunEvents(run);
    expect(comments(all)).toEqual(["1", "2", "3"]);
    expect(all.every((e) => e.subject === `harness.events.${run}.run.control.supervisor`)).toBe(true);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
    expect(Date.parse(all[0]?.time ?? "")).not.toBeNaN();

    expect(comments(await bus.readRunEvents(run, { afterSeq: all[0]?.seq ?? 0 }))).toEqual(["2", "3"]);
    expect(comments(await bus.readRunEvents(run, { limit: 2 }))).toEqual(["1", "2"]);
    expect(await bus.readRunEvents(run, { afterSeq: all[2]?.seq ?? 0 })).toEqual([]);
    expect(await bus.readRunEvents(testId("run"))).toEqual([]);
  });

  it("tails a run's events live from a sequence", async () => {
    const run = testId("run");
    await bus.publish(RunControl, runControl(run, "before"));
    const [first] = await bus.readRunEvents(run);
    const seen: StoredEvent[] = [];
    const tail = await bus.tailRunEvents(run, first?.seq ?? 0, (e) => seen.push(e));
    await bus.publish(RunControl, runControl(testId("run"), "someone else"));
    await bus.publish(RunControl, runControl(run, "a"));
    await bus.publish(RunControl, runControl(run, "b"));
    await waitFor(() => seen.length === 2, { what: "two tailed events" });
    await tail.stop();
    await bus.publish(RunControl, runControl(run, "after stop"));
    expect(comments(seen)).toEqual(["a", "b"]);
    expect(comments(await bus.readRunEvents(run))).toEqual(["before", "a", "b", "after stop"]);
    expect(seen).toHaveLength(2);
  });
});
