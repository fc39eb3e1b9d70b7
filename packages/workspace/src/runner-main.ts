import { startRunner } from "./runner-server.js";

/**
 * `node <service bundle> runner`: the sidecar's entry point (the service images carry it, so the
 * runner container needs no image of its own). HARNESS_RUNNER_SOCKET is where it listens,
 * HARNESS_RUNNER_ROOT the workspace volume it may run commands in.
 */
export async function runnerMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const socketPath = env["HARNESS_RUNNER_SOCKET"];
  const root = env["HARNESS_RUNNER_ROOT"];
  if (!socketPath || !root) throw new Error("the runner needs HARNESS_RUNNER_SOCKET (where to listen) and HARNESS_RUNNER_ROOT (the workspace volume)");
  const runner = await startRunner({ socketPath, root });
  process.stdout.write(`runner ready on ${socketPath} for ${root}\n`);
  const stop = (): void => { void runner.close().then(() => process.exit(0)); };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
