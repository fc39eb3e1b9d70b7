import { describe, expect, it } from "vitest";
import { loopSlicer } from "./loop-slice.js";

describe("loop slicer", () => {
  it("hands the event loop a turn once a slice of synchronous work has passed, then starts a new slice", async () => {
    let clock = 0;
    const slice = loopSlicer(4, () => clock);
    clock = 3;
    expect(slice()).toBeUndefined();
    clock = 4;
    const turn = slice();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    clock = 7;
    expect(slice()).toBeUndefined();
    clock = 8;
    expect(slice()).toBeInstanceOf(Promise);
  });
});
