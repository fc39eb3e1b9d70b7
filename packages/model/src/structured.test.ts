import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidModelOutputError } from "./errors.js";
import { structured } from "./structured.js";
import { bodyOf, closeAll, lastToolResults, serve } from "./test-support.js";

afterEach(closeAll);

const Spec = z.object({ title: z.string().min(1), features: z.array(z.string()).min(1) });
const spec = { role: "planner" as const, system: "You plan.", prompt: "a sprite editor", schema: Spec, toolName: "write_spec", toolDescription: "Write the product spec" };

describe("model - structured output", () => {
  it("forces the tool and returns the validated value", async () => {
    const { server, client } = await serve([{ match: { toolChoice: "write_spec" }, reply: { toolUse: [{ name: "write_spec", input: { title: "Sprites", features: ["draw"] } }] } }]);
    await expect(structured(client, spec)).resolves.toEqual({ title: "Sprites", features: ["draw"] });
    expect(bodyOf(server.requests[0]).tool_choice).toEqual({ type: "tool", name: "write_spec" });
  });

  it("invalid output is re-asked with the validation error, then the corrected output is accepted", async () => {
    const { server, client, usages, onUsage } = await serve([{
      replies: [{ fault: "malformed_tool_input" }, { toolUse: [{ name: "write_spec", input: { title: "Sprites", features: ["draw", "undo"] } }] }],
    }]);
    const value = await structured(client, { ...spec, onUsage });

    expect(value.features).toEqual(["draw", "undo"]);
    const [rejection] = lastToolResults(server.requests[1]);
    expect(rejection?.is_error).toBe(true);
    expect(rejection?.content).toMatch(/Rejected[\s\S]*title/);
    expect(usages).toHaveLength(2);
  });

  it("a check's problems are re-asked too, and after the bounded re-asks the error is typed", async () => {
    const { server, client } = await serve([{ reply: { toolUse: [{ name: "write_spec", input: { title: "Sprites", features: ["draw"] } }] } }]);
    const err = await structured(client, { ...spec, maxReasks: 2, check: (s) => (s.features.length < 3 ? ["a spec needs at least 3 features"] : []) }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(InvalidModelOutputError);
    expect(err).toMatchObject({ code: "MODEL_INVALID_OUTPUT", retryable: false, message: expect.stringContaining("at least 3 features") });
    expect(server.requests).toHaveLength(3);
  });
});
