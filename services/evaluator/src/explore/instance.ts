import { cp, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AppRuntime } from "@harness/contracts";
import { releaseWorkspace, restore, runCommand, ServerRegistry } from "@harness/workspace";
import { freePort } from "../app-checks.js";
import { tail } from "../checks/output.js";
import { FreshStartError } from "../errors.js";

const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** Where fresh copies of one product come from. */
export interface ProductSource {
  /** The artifact's bytes: the product as the generator handed it over. */
  bytes: Uint8Array;
  app: AppRuntime;
  installCommand?: string;
  env: Record<string, string>;
  /** A directory of its own for the copies; removed by dispose(). */
  baseDir: string;
  restoreGit?: boolean;
}

export interface RunningProduct {
  baseUrl: string;
  dir: string;
  /** The app's own output so far (a stack trace behind a 500). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Fresh instances of one product: its artifact restored and installed once (lazily, so an
 * exploration that ends at its first answer starts nothing), then copied for every start, so
 * each start has no data, no server state and no files any earlier start wrote.
 */
export class FreshProducts {
  #pristine: Promise<string> | undefined;
  #count = 0;

  constructor(private readonly src: ProductSource) {}

  async start(): Promise<RunningProduct> {
    const pristine = await (this.#pristine ??= this.#prepare());
    const dir = join(this.src.baseDir, `start-${++this.#count}`);
    await cp(pristine, dir, { recursive: true, verbatimSymlinks: true });
    const servers = new ServerRegistry();
    const port = await freePort();
    const { app, env } = this.src;
    const stop = async () => {
      await servers.stopAll();
      releaseWorkspace(dir);
      await rm(dir, { recursive: true, force: true });
    };
    try {
      const server = await servers.start(dir, app.startCommand, { port, readinessPath: app.readinessPath, timeoutMs: app.readinessTimeoutMs, env: { ...env, PORT: String(port) } });
      return { baseUrl: `http://127.0.0.1:${port}`, dir, output: () => server.output(), stop };
    } catch (err) {
      await stop();
      throw new FreshStartError(`a fresh start of the app did not become ready: ${tail(err instanceof Error ? err.message : String(err), 2_000)}`, { cause: err });
    }
  }

  async dispose(): Promise<void> {
    await this.#pristine?.catch(() => undefined);
    releaseWorkspace(join(this.src.baseDir, "pristine"));
    await rm(this.src.baseDir, { recursive: true, force: true });
  }

  async #prepare(): Promise<string> {
    const dir = join(this.src.baseDir, "pristine");
    await mkdir(dir, { recursive: true });
    await restore(this.src.bytes, dir, { skipGit: this.src.restoreGit !== true });
    const command = this.src.installCommand ?? this.src.app.installCommand;
    if (command) {
      const r = await runCommand(dir, command, { timeoutMs: INSTALL_TIMEOUT_MS, env: this.src.env });
      if (r.exitCode !== 0) throw new FreshStartError(`the install command failed on a fresh copy (exit ${r.exitCode ?? r.signal}): ${tail(r.stderr || r.stdout, 2_000)}`);
    }
    return dir;
  }
}
