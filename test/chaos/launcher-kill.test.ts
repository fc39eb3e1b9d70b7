import { startScriptedModel } from "@harness/scripted-model";
import { describe, expect, it } from "vitest";
import { isAlive, servicePid } from "../support/chaos-procs.js";
import { startStack } from "../support/stack.js";

/*
 * Fault tests rely on a SIGKILL ending the service. A launcher that runs the service under a
 * wrapper process (as `tsx main.ts` does: its CLI starts the service as a child) and signals only
 * the wrapper leaves the service running, orphaned, still consuming work.
 */
describe("chaos - the test stack's kill", () => {
  it("stack.kill with SIGKILL ends the service process itself, not only its tsx wrapper", async () => {
    const model = await startScriptedModel({ script: [] });
    const stack = await startStack({ modelUrl: model.url, roles: [] });
    const supervisor = stack.services[0];
    if (!supervisor) throw new Error("no supervisor started");
    const service = servicePid(supervisor);
    try {
      await stack.kill(supervisor, "SIGKILL");
      await new Promise((r) => setTimeout(r, 1_000));
      const answers = await fetch(`${stack.apiUrl}/healthz`).then((r) => r.ok, () => false);
      expect({ serviceAlive: isAlive(service), apiAnswers: answers }).toEqual({ serviceAlive: false, apiAnswers: false });
    } finally {
      if (isAlive(service)) process.kill(service, "SIGKILL");
      await stack.stop();
      await model.close();
    }
  });
});
