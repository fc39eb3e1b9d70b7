import { connectBus, type Bus } from "@harness/bus";
import { ledgerKey, RunLedger } from "@harness/contracts";
import { BudgetExceededError } from "@harness/model";
import { useNatsServer } from "@harness/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBudgetGuard } from "./budget.js";

const nats = useNatsServer();
let bus: Bus;
let n = 0;

beforeAll(async () => {
  bus = await connectBus({ ...nats.as(), name: "budget-test", logger: pino({ level: "silent" }) });
  await bus.provision();
});
afterAll(async () => { await bus.close(); });

function ledger(runId: string, costUsd: number): RunLedger {
  return RunLedger.parse({
    id: runId, status: "running", budget: { maxCostUsd: 1, maxTokens: 1_000_000, maxWallClockMs: 60_000 }, models: {},
    usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd, calls: 0 },
  });
}

const call = { costUsd: 0.1, tokens: 100 };
const who = { role: "generator" as const, model: "scripted-1" };

describe("run budget guard", () => {
  it("checks the first call against the ledger the work just read, and every later call against KV", async () => {
    const runId = `run-budget-${++n}`;
    await bus.runs.put(ledgerKey(runId), ledger(runId, 0.95));
    // The ledger handed in (read a moment ago) leaves room; KV, read by the next call, does not.
    const guard = runBudgetGuard(bus, runId, { ledger: ledger(runId, 0), readAt: Date.now() });
    await expect(guard.reserve(call, who)).resolves.toBeUndefined();
    await expect(guard.reserve(call, who)).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it("reads KV for the first call too when the ledger handed in is stale", async () => {
    const runId = `run-budget-${++n}`;
    await bus.runs.put(ledgerKey(runId), ledger(runId, 0.95));
    const guard = runBudgetGuard(bus, runId, { ledger: ledger(runId, 0), readAt: Date.now() - 60_000 });
    await expect(guard.reserve(call, who)).rejects.toThrow(/could cost \$0\.1000/);
  });

  it("counts the work's own calls that the ledger does not show yet, and never counts one twice", async () => {
    const runId = `run-budget-${++n}`;
    await bus.runs.put(ledgerKey(runId), ledger(runId, 0.5));
    const own = { costUsd: 0, tokens: 0 };
    const guard = runBudgetGuard(bus, runId, { ledger: ledger(runId, 0.5), readAt: Date.now() }, () => own);
    await expect(guard.reserve(call, who)).resolves.toBeUndefined();
    // Four calls of $0.1 answered, none folded into the ledger yet: $0.9 used, the next $0.1 still fits.
    own.costUsd = 0.4;
    await expect(guard.reserve(call, who)).resolves.toBeUndefined();
    own.costUsd = 0.45;
    await expect(guard.reserve(call, who)).rejects.toThrow(/\$0\.0500 of \$1 left/);
    // Once folded, the ledger holds them: the same calls are not added again.
    await bus.runs.put(ledgerKey(runId), ledger(runId, 0.95));
    await expect(guard.reserve({ costUsd: 0.04, tokens: 1 }, who)).resolves.toBeUndefined();
  });
});
