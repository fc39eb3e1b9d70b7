import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "@harness/bus";
import type { ArtifactRef } from "@harness/contracts";
import type { Logger } from "@harness/logger";
import { releaseWorkspace, resolveInside, restore, runCommand } from "@harness/workspace";
import type { EvaluationContext } from "./define.js";
import { ArtifactMissingError } from "./errors.js";

const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

/**
 * Restores the artifact into a fresh temp directory, hands the evaluator a context over it, and
 * removes the directory afterwards whatever happened: every evaluation starts from a clean copy.
 */
export async function withArtifact<T>(
  artifacts: Pick<ArtifactStore, "get">, ref: ArtifactRef, workdir: string,
  base: { logger: Logger; signal: AbortSignal; working(): void },
  fn: (ctx: EvaluationContext) => Promise<T>,
): Promise<T> {
  const bytes = await artifacts.get(ref.name);
  if (!bytes) throw new ArtifactMissingError(ref.name);
  await mkdir(workdir, { recursive: true });
  const dir = await mkdtemp(join(workdir, "eval-"));
  try {
    const { files } = await restore(bytes, dir);
    const ctx: EvaluationContext = {
      dir, files, logger: base.logger, signal: base.signal, working: base.working,
      async readFile(path) {
        const file = resolveInside(dir, path);
        return readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT" || err.code === "EISDIR") return undefined;
          throw err;
        });
      },
      run(command, opts = {}) {
        return runCommand(dir, command, { timeoutMs: opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, signal: base.signal, ...(opts.env ? { env: opts.env } : {}) });
      },
    };
    return await fn(ctx);
  } finally {
    releaseWorkspace(dir);
    await rm(dir, { recursive: true, force: true });
  }
}
