/**
 * 01 - A custom evaluator: "readme".
 *
 * The built-in `core` evaluator checks a build against its sprint contract. A team can add its
 * own gates as separate services. This one insists that every build ships a README whose usage
 * examples actually work: it does not trust the README's claims, it runs them.
 *
 * Run it next to a harness, as its own NATS user (`pnpm harness evaluator add readme` creates it
 * and prints these values):
 *
 *   NATS_URL=nats://127.0.0.1:<port> NATS_USER=evaluator-readme HARNESS_PROVISION=false \
 *     NATS_PASSWORD_FILE=.harness/nats-auth/evaluator-readme.password pnpm --filter @harness/examples custom-evaluator
 *
 * then create runs gated by it: POST /runs { "prompt": "...", "options": { "evaluators": ["core", "readme"] } }.
 * A sprint passes only when both evaluators pass; otherwise the generator gets this evaluator's
 * feedback (which example failed, with its output) for its next attempt.
 */
import { pathToFileURL } from "node:url";
import { defineEvaluator, runEvaluator, type CriterionInput, type EvaluationContext } from "@harness/evaluator-sdk";

const MIN_WORDS = 20;

// Step 1: pull the commands out of the README's shell code blocks (```sh, ```bash, ```shell).
// Comment lines and prompts ("$ ") are handled the way a reader would type them.
export function shellExamples(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    for (const raw of (block[1] ?? "").split("\n")) {
      const line = raw.trim().replace(/^\$\s+/, "");
      if (line !== "" && !line.startsWith("#")) commands.push(line);
    }
  }
  return commands;
}

// Step 2: each criterion is a small function of the evaluator's own copy of the build (ctx.dir).
async function readmePresent(readme: string | undefined, ctx: EvaluationContext): Promise<CriterionInput> {
  if (readme === undefined) return { id: "readme-present", passed: false, evidence: [`README.md is missing; the build has: ${ctx.files.slice(0, 20).join(", ") || "(no files)"}`], feedback: "add a README.md at the root that says what this is and how to use it" };
  const words = readme.split(/\s+/).filter(Boolean).length;
  return { id: "readme-present", passed: words >= MIN_WORDS, evidence: [`README.md has ${words} words (at least ${MIN_WORDS} wanted)`] };
}

async function examplesRun(readme: string | undefined, ctx: EvaluationContext): Promise<CriterionInput> {
  const commands = shellExamples(readme ?? "");
  if (commands.length === 0) return { id: "readme-examples-run", passed: false, evidence: ["the README has no ```sh block with a usage example"], feedback: "show how to use the software in a ```sh block of commands that work from the repository root" };
  for (const command of commands) {
    // Behaviour, not presence: the documented command must really work on a fresh copy.
    const r = await ctx.run(command, { timeoutMs: 30_000 });
    ctx.working();
    if (r.exitCode !== 0) {
      return {
        id: "readme-examples-run", passed: false,
        evidence: [{ kind: "output", summary: `README example \`${command}\` exited ${r.exitCode ?? r.signal}`, detail: `${r.stdout}\n${r.stderr}`.trim().slice(-4_000), location: "README.md" }],
        feedback: `the README's example \`${command}\` fails (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().split("\n").find((l) => /Error|error/.test(l)) ?? r.stderr.trim().slice(0, 300)}`,
      };
    }
  }
  return { id: "readme-examples-run", passed: true, evidence: [`all ${commands.length} README example(s) ran: ${commands.join(" ; ")}`] };
}

// Step 3: define the evaluator. `criteria` are a promise: one that evaluate() forgets to report
// fails the verdict, so an early return can never pass a build by accident.
export const readme = defineEvaluator({
  name: "readme",
  version: "1.0.0",
  description: "every build ships a README whose usage examples really run",
  criteria: [
    { id: "readme-present", description: "a README.md at the root that says what the software is" },
    { id: "readme-examples-run", description: "every command in the README's ```sh examples runs successfully" },
  ],
  async evaluate(_req, ctx) {
    const text = await ctx.readFile("README.md");
    return [await readmePresent(text, ctx), await examplesRun(text, ctx)];
    // Scored criteria work too: { id, score: 6, threshold: 7, evidence }. Pass/fail is computed by
    // the SDK either way; nothing this function says about the whole can pass a build.
  },
});

// Step 4: serve it. Connection, its work consumer, heartbeats (the supervisor lists it under
// /services), verdict publishing and draining on SIGTERM are the SDK's job.
// (Only when run as a script: tests import `readme` and `shellExamples` without starting it.)
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEvaluator(readme).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
