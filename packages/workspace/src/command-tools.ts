import { z } from "zod";
import { DEFAULT_TIMEOUT_MS, formatCommandResult, runCommand, type CommandOptions } from "./command.js";
import { DEFAULT_SERVER_TIMEOUT_MS, ServerRegistry } from "./servers.js";
import { defineTool, type WorkspaceTool } from "./tool.js";

// A model asking for hours would stall the build; longer jobs should be split.
export const MAX_COMMAND_TIMEOUT_MS = 30 * 60_000;
const SERVER_OUTPUT_SHOWN_BYTES = 4_000;

export type CommandToolOptions = CommandOptions & { servers?: ServerRegistry };

/** run_command, start_server and stop_server, all running in `root`. */
export function createCommandTools(root: string, opts: CommandToolOptions = {}): WorkspaceTool[] {
  const servers = opts.servers ?? new ServerRegistry();
  const { servers: _servers, ...commandOpts } = opts;
  return [runCommandTool(root, commandOpts), startServerTool(root, servers, opts.env), stopServerTool(root, servers)];
}

const RunInput = z.strictObject({
  command: z.string().min(1).describe("Shell command (bash -c) run in the workspace root. stdin is closed."),
  timeout_ms: z.number().int().positive().max(MAX_COMMAND_TIMEOUT_MS).optional().describe("Time limit; the command and its children are killed when it is reached."),
});

function runCommandTool(root: string, opts: CommandOptions): WorkspaceTool<z.infer<typeof RunInput>> {
  const defaultTimeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return defineTool(root, {
    name: "run_command",
    description:
      `Run a shell command in the workspace and get its exit code, stdout and stderr (long output keeps the start and end). ` +
      `Default time limit ${defaultTimeout} ms. Processes left in the background are killed when the command exits: start servers with start_server instead.`,
    input: RunInput,
    async run(input, ctx) {
      const timeoutMs = input.timeout_ms ?? defaultTimeout;
      const result = await runCommand(root, input.command, { ...opts, timeoutMs, ...(ctx?.signal ? { signal: ctx.signal } : {}) });
      return formatCommandResult(result, timeoutMs);
    },
  });
}

const StartInput = z.strictObject({
  command: z.string().min(1).describe("Command that runs the server in the foreground, e.g. `node server.js` or `npm start`. PORT is set in its environment."),
  port: z.number().int().min(1).max(65535).describe("Port the server listens on (bind 0.0.0.0 or 127.0.0.1)."),
  readiness_path: z.string().regex(/^\/[^\s]*$/, "must be a path starting with /, e.g. /health").optional().describe("HTTP path probed until it answers with a status below 500 (default `/`)."),
  timeout_ms: z.number().int().positive().max(10 * 60_000).optional().describe(`How long to wait for readiness (default ${DEFAULT_SERVER_TIMEOUT_MS} ms).`),
});

function startServerTool(root: string, servers: ServerRegistry, env: Record<string, string> | undefined): WorkspaceTool<z.infer<typeof StartInput>> {
  return defineTool(root, {
    name: "start_server",
    description: "Start a long-running server in the background and wait until http://127.0.0.1:<port><readiness_path> answers. It keeps running until stop_server or the end of the build.",
    input: StartInput,
    async run(input) {
      const started = Date.now();
      const server = await servers.start(root, input.command, {
        port: input.port,
        readinessPath: input.readiness_path ?? "/",
        ...(input.timeout_ms !== undefined ? { timeoutMs: input.timeout_ms } : {}),
        ...(env ? { env } : {}),
      });
      const out = server.output();
      const shown = out.length > SERVER_OUTPUT_SHOWN_BYTES ? `[...]${out.slice(-SERVER_OUTPUT_SHOWN_BYTES)}` : out;
      return `server on port ${input.port} is ready (${input.readiness_path ?? "/"} answered after ${Date.now() - started} ms)\n--- output so far ---\n${shown}`;
    },
  });
}

const StopInput = z.strictObject({ port: z.number().int().min(1).max(65535).describe("Port of a server started with start_server.") });

function stopServerTool(root: string, servers: ServerRegistry): WorkspaceTool<z.infer<typeof StopInput>> {
  return defineTool(root, {
    name: "stop_server",
    description: "Stop a server started with start_server (the server and its child processes).",
    input: StopInput,
    async run(input) {
      const output = servers.output(input.port);
      await servers.stop(input.port);
      const tail = output === undefined ? "" : output.slice(-SERVER_OUTPUT_SHOWN_BYTES);
      return `stopped the server on port ${input.port}\n--- last output ---\n${tail}`;
    },
  });
}
