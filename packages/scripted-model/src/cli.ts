import { parseArgs } from "node:util";
import { startScriptedModel } from "./server.js";

/*
 * `tsx packages/scripted-model/src/cli.ts --script file.yaml [--port 0] [--host 127.0.0.1] [--log]`
 * Prints `listening http://127.0.0.1:<port>` once ready: parent processes wait for that line.
 */
async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      script: { type: "string" },
      port: { type: "string", default: "0" },
      host: { type: "string" },
      log: { type: "boolean", default: false },
      "min-cacheable-tokens": { type: "string" },
    },
  });
  if (values.script === undefined) throw new Error("usage: cli.ts --script <file.json|file.yaml> [--port 0] [--host 127.0.0.1] [--log]");
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a non-negative integer, got ${values.port}`);
  const minCacheable = values["min-cacheable-tokens"];

  const server = await startScriptedModel({
    script: values.script,
    port,
    logger: values.log,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(minCacheable === undefined ? {} : { minCacheableTokens: Number(minCacheable) }),
  });
  console.log(`listening ${server.url}`);

  const stop = (): void => {
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
