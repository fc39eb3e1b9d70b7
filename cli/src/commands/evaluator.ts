import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { connectBus } from "@harness/bus";
import { EvaluatorName } from "@harness/contracts";
import { writeLocalCredentials } from "@harness/nats-config";
import { reloadNats } from "@harness/testkit";
import { CliError, DATA_DIR } from "../client.js";
import { natsAuthDir } from "../local-stack.js";

interface StackFile { natsUrl?: string; natsReload?: { pid: number; monitorUrl: string } | { docker: string } }

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch { return false; }
};

/**
 * `harness evaluator add <name>`: a NATS user of its own for a custom evaluator, in the data
 * folder's credentials (kept by later `up`s, which also provision its durable). On a running
 * stack the server reloads its users and the durable is created at once, as the supervisor.
 * Prints how to connect; the password only with `show`.
 */
export async function evaluatorAddCommand(name: string, flags: { show?: boolean; dataDir?: string }): Promise<number> {
  const parsed = EvaluatorName.safeParse(name);
  if (!parsed.success || name === "core") throw new CliError(`"${name}" is not a custom evaluator name (letters, digits, - and _; not "core")`, 2);
  const dataDir = flags.dataDir ?? DATA_DIR;
  const credentials = writeLocalCredentials(natsAuthDir(dataDir), { evaluators: [name] });
  const user = `evaluator-${name}`;
  const stackPath = join(dataDir, "stack.json");
  const stack = existsSync(stackPath) ? JSON.parse(readFileSync(stackPath, "utf8")) as StackFile : undefined;
  let live = "not running: the next `pnpm harness up` starts NATS with this user and provisions its queue";
  if (stack?.natsUrl && stack.natsReload) {
    const reload = stack.natsReload;
    if ("docker" in reload) execFileSync("docker", ["kill", "-s", "HUP", reload.docker], { stdio: "ignore" });
    else if (alive(reload.pid)) await reloadNats(reload.pid, reload.monitorUrl);
    // Only the supervisor's user may create consumers; the evaluator's may not.
    const bus = await connectBus({ url: stack.natsUrl, name: "harness-cli-evaluator-add", user: "supervisor", pass: credentials.password("supervisor") });
    try { await bus.ensureEvaluatorConsumer(name); } finally { await bus.close(); }
    live = `running: NATS reloaded its users, and the queue evaluator-${name} exists`;
  }
  console.log([
    `NATS user ${user} (stack ${live})`,
    `  password file  ${credentials.passwordFile(user)} (mode 0600)`,
    ...(flags.show ? [`  password       ${credentials.password(user)}`] : []),
    "  connect with",
    `    NATS_URL=${stack?.natsUrl ?? "<the NATS URL harness up prints>"} NATS_USER=${user} \\`,
    `    NATS_PASSWORD_FILE=${credentials.passwordFile(user)} HARNESS_PROVISION=false <your evaluator>`,
    `  gate runs with it: options.evaluators ["core", "${name}"]`,
  ].join("\n"));
  return 0;
}
