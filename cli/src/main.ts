#!/usr/bin/env -S node --import tsx
import { parseArgs } from "node:util";
import { CliError } from "./client.js";
import { demoCommand } from "./commands/demo.js";
import { exportCommand, followCommand, logsCommand, runCommand, statusCommand } from "./commands/runs.js";
import { reviseCommand, steerCommand } from "./commands/steer.js";
import { upCommand } from "./commands/up.js";
import { evaluatorAddCommand } from "./commands/evaluator.js";
import { calibrateCommand } from "./commands/calibrate.js";
import { rejudgeCommand } from "./commands/rejudge.js";

const USAGE = `harness <command>

  up [--port N] [--scripted] [--quiet]   start NATS and the four services; prints the dashboard URL
  run "<prompt>" [--follow] [--sprints N] [--attempts N] [--final-attempts N] [--budget USD]
                 [--evaluators a,b] [--model role=id] [--constraints "..."] [--gates spec,contracts] [--no-explore]
  status [id]                            list runs, or one run's summary
  follow <id>                            follow a run live (a finished run: its story), as run --follow does
  logs <id>                              a run's event history
  pause <id> [--comment "..."]           hold new work; work already running finishes
  resume <id> [--comment "..."] [--budget USD] [--tokens N] [--minutes N]
                                         release held work; new limits for a run paused on its budget
  cancel <id> [--comment "..."]          cancel a run (stops in-flight work)
  approve <id> [--comment "..."]         approve the spec or contract a gated run waits for
  revise <id> --spec "..." | --contract "..."
                                         send change requests at the spec or contract gate
  export <id> <dir>                      the run's product as a git repository
  demo [--keep]                          offline end-to-end demo with a scripted model
  calibrate <corpus-dir> [--api URL --token T] [--evaluators core,<custom>] [--repeat K] [--concurrency N]
            [--json file] [--max-false-pass N] [--only app/variant,...] [--explore] [--scripted-judge]
                                         judge a labelled corpus, print the confusion table; exit 1 on false passes
  rejudge <run-id> [--evaluators a,b] [--sprint N] [--api URL --token T]
                                         judge a finished run's stored builds again; prints what changed
  evaluator add <name> [--show]          a NATS user for a custom evaluator (reloads a running NATS);
                                         prints how to connect (the password only with --show)`;

function commandHelp(command: string): string {
  const lines = USAGE.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`  ${command} `));
  if (start < 0) return USAGE;
  let end = start + 1;
  while (end < lines.length && /^ {3,}/.test(lines[end]!)) end++;
  return `harness ${lines.slice(start, end).join("\n").trimStart()}`;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      port: { type: "string" }, scripted: { type: "boolean" }, quiet: { type: "boolean" }, follow: { type: "boolean", short: "f" },
      sprints: { type: "string" }, attempts: { type: "string" }, "final-attempts": { type: "string" }, budget: { type: "string" }, evaluators: { type: "string" },
      model: { type: "string", multiple: true }, constraints: { type: "string" }, gates: { type: "string" }, "no-explore": { type: "boolean" }, keep: { type: "boolean" }, help: { type: "boolean", short: "h" },
      api: { type: "string" }, token: { type: "string" }, repeat: { type: "string" }, concurrency: { type: "string" }, json: { type: "string" },
      "max-false-pass": { type: "string" }, only: { type: "string" }, explore: { type: "boolean" }, "scripted-judge": { type: "boolean" }, sprint: { type: "string" },
      comment: { type: "string" }, show: { type: "boolean" }, tokens: { type: "string" }, minutes: { type: "string" }, spec: { type: "string" }, contract: { type: "string" },
    },
    });
  } catch (err) {
    // Node's parser messages are long; keep the first sentence and point at the usage.
    const first = (err instanceof Error ? err.message : String(err)).split(". ")[0];
    throw new CliError(`${first} (see harness --help)`, 2);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} takes a positive number (got "${v}")`, 2);
    return n;
  };
  const int = (v: string | undefined, name: string) => {
    const n = num(v, name);
    if (n !== undefined && !Number.isInteger(n)) throw new CliError(`--${name} takes a whole number (got "${v}")`, 2);
    return n;
  };
  const port = (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new CliError(`--port takes 0-65535 (got "${v}")`, 2);
    return n;
  };
  const need = (i: number, what: string) => { const v = args[i]; if (!v) throw new CliError(`missing ${what}\n\n${USAGE}`, 2); return v; };
  // A command's own lines of USAGE (calibrate and rejudge take many options), else the whole of it.
  if (values.help) { console.log(command ? commandHelp(command) : USAGE); return 0; }
  if (!command) { console.log(USAGE); return 2; }
  switch (command) {
    case "up": return upCommand({ ...(values.port ? { port: port(values.port) } : {}), ...(values.scripted ? { scripted: true } : {}), ...(values.quiet ? { quiet: true } : {}) });
    case "run": return runCommand(need(0, "prompt"), {
      ...(values.follow ? { follow: true } : {}), ...(values.sprints ? { sprints: num(values.sprints, "sprints")! } : {}),
      ...(values.attempts ? { attempts: num(values.attempts, "attempts")! } : {}), ...(values["final-attempts"] ? { finalAttempts: num(values["final-attempts"], "final-attempts")! } : {}), ...(values.budget ? { budget: num(values.budget, "budget")! } : {}),
      ...(values.evaluators ? { evaluators: values.evaluators } : {}), ...(values.model ? { model: values.model } : {}),
      ...(values.constraints ? { constraints: values.constraints } : {}), ...(values.gates ? { gates: values.gates } : {}),
      ...(values["no-explore"] ? { noExplore: true } : {}),
    });
    case "status": return statusCommand(args[0]);
    case "logs": return logsCommand(need(0, "run id"));
    case "follow": return followCommand(need(0, "run id"));
    case "pause": case "resume": case "cancel": case "approve": return steerCommand(command, need(0, "run id"), {
      ...(values.comment ? { comment: values.comment } : {}), ...(values.budget ? { budget: num(values.budget, "budget")! } : {}),
      ...(values.tokens ? { tokens: int(values.tokens, "tokens")! } : {}), ...(values.minutes ? { minutes: num(values.minutes, "minutes")! } : {}),
    });
    case "revise": return reviseCommand(need(0, "run id"), { spec: values.spec, contract: values.contract });
    case "export": return exportCommand(need(0, "run id"), need(1, "target directory"));
    case "demo": return demoCommand({ keep: values.keep ?? false });
    case "calibrate": {
      const maxFalsePass = values["max-false-pass"];
      if (maxFalsePass !== undefined && !/^\d+$/.test(maxFalsePass)) throw new CliError(`--max-false-pass takes a whole number, 0 or more (got "${maxFalsePass}")`, 2);
      return calibrateCommand(need(0, "corpus folder"), {
        ...(values.api ? { api: values.api } : {}), ...(values.token ? { token: values.token } : {}), ...(values.evaluators ? { evaluators: values.evaluators } : {}),
        ...(values.repeat ? { repeat: int(values.repeat, "repeat")! } : {}), ...(values.concurrency ? { concurrency: int(values.concurrency, "concurrency")! } : {}),
        ...(values.json ? { json: values.json } : {}), ...(maxFalsePass !== undefined ? { maxFalsePass: Number(maxFalsePass) } : {}),
        ...(values.only ? { only: values.only } : {}), ...(values.explore ? { explore: true } : {}), ...(values["scripted-judge"] ? { scriptedJudge: true } : {}),
        ...(values.budget ? { budget: num(values.budget, "budget")! } : {}), cancelOnSignal: true,
      });
    }
    case "rejudge": {
      const sprint = values.sprint;
      if (sprint !== undefined && !/^\d+$/.test(sprint)) throw new CliError(`--sprint takes a sprint number (0: the final acceptance; got "${sprint}")`, 2);
      return rejudgeCommand(need(0, "run id"), { ...(values.api ? { api: values.api } : {}), ...(values.token ? { token: values.token } : {}), ...(values.evaluators ? { evaluators: values.evaluators } : {}), ...(sprint !== undefined ? { sprint: Number(sprint) } : {}) });
    }
    case "evaluator": {
      if (args[0] !== "add") throw new CliError(`usage: harness evaluator add <name> [--show]`, 2);
      return evaluatorAddCommand(need(1, "evaluator name"), { show: values.show ?? false });
    }
    default: throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`harness: ${message}`);
    process.exit(err instanceof CliError ? err.exitCode : 1);
  },
);
