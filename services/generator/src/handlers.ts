import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Bus } from "@harness/bus";
import { BuildProduced, ContractProposed, SprintContract, type BuildRequested, type ContractRequested } from "@harness/contracts";
import { runToolLoop, structured, type ModelClient, type Tool } from "@harness/model";
import type { WorkContext } from "@harness/runtime";
import { createCommandTools, createFileTools, gitCommit, gitInit, releaseWorkspace, restore, ServerRegistry, snapshot } from "@harness/workspace";
import { BUILD_SYSTEM, buildPrompt, CONTRACT_SYSTEM, contractPrompt } from "./prompt.js";

export interface GeneratorDeps {
  bus: Pick<Bus, "artifacts">;
  model: ModelClient;
  workdir: string;
  maxTurns: number;
  contextLimitTokens: number;
  commandTimeoutMs: number;
}

export function createHandlers(deps: GeneratorDeps) {
  return {
    /** contract.requested -> contract.proposed */
    async proposeContract(w: WorkContext<ContractRequested>): Promise<void> {
      const sprint = w.msg.sprint;
      const contract = await structured(deps.model, {
        role: "generator", system: CONTRACT_SYSTEM, prompt: contractPrompt(w.msg.payload, sprint),
        schema: SprintContract, toolName: "propose_contract", toolDescription: "Propose the sprint contract",
        budget: w.budget, models: w.models, onUsage: w.recordUsage,
      });
      await w.emit(ContractProposed, "contract.proposed", { contract: { ...contract, sprint }, round: w.msg.payload.round });
    },

    /** build.requested -> tool loop in a fresh workspace -> commit, snapshot -> build.produced */
    async build(w: WorkContext<BuildRequested>): Promise<void> {
      const { runId, sprint, attempt } = w.msg;
      const dir = join(deps.workdir, runId, `s${sprint}-a${attempt}-${process.pid}-${Date.now()}`);
      await mkdir(dir, { recursive: true });
      const servers = new ServerRegistry();
      try {
        // The first model call needs only the message, so the workspace is prepared while it is
        // out; tools wait for it. A failed preparation aborts the loop and is the error reported.
        const prepared = prepareWorkspace(deps, w.msg.payload.base, dir);
        const abort = new AbortController();
        prepared.catch(() => abort.abort());
        const tools = [...createFileTools(dir), ...createCommandTools(dir, { timeoutMs: deps.commandTimeoutMs, servers })]
          .map((t) => afterReady(t as Tool<never>, prepared));
        const heartbeat = setInterval(() => w.ctx.working(), 5_000);
        let result;
        try {
          result = await runToolLoop(deps.model, {
            role: "generator", system: BUILD_SYSTEM, prompt: buildPrompt(w.msg.payload, sprint, attempt), tools,
            maxTurns: deps.maxTurns, contextLimitTokens: deps.contextLimitTokens, budget: w.budget, models: w.models, onUsage: w.recordUsage,
            onTurn: () => w.ctx.working(), signal: abort.signal,
          });
        } catch (err) {
          await prepared;
          throw err;
        } finally {
          clearInterval(heartbeat);
          await servers.stopAll();
          // Nothing of the build may still run while the service commits and snapshots it.
          releaseWorkspace(dir);
        }
        await prepared;
        const commit = await gitCommit(dir, `sprint ${sprint} attempt ${attempt}`);
        const snap = await snapshot(dir);
        const artifact = await deps.bus.artifacts.put(snap.bytes);
        const notes = [result.text, ...result.progressNotes].filter(Boolean).join("\n\n").slice(0, 100_000);
        w.logger.info({ turns: result.turns, stopReason: result.stopReason, files: snap.files.length, digest: artifact.digest }, "build produced");
        await w.emit(BuildProduced, "build.produced", { artifact, files: snap.files.slice(0, 100_000), commit, notes });
      } finally {
        releaseWorkspace(dir);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

async function prepareWorkspace(deps: GeneratorDeps, base: BuildRequested["payload"]["base"], dir: string): Promise<void> {
  if (!base) return gitInit(dir);
  const bytes = await deps.bus.artifacts.get(base.name);
  if (!bytes) throw new Error(`base artifact ${base.name} is missing from the object store`);
  await restore(bytes, dir);
}

function afterReady(tool: Tool<never>, ready: Promise<void>): Tool<never> {
  return { ...tool, run: async (input, ctx) => { await ready; return tool.run(input, ctx); } };
}
