import type { CommandCheck, CriterionResult } from "@harness/contracts";
import { runCommand } from "@harness/workspace";
import { checkOutput, outputEvidence } from "./output.js";
import { withBoundedPatterns } from "./patterns.js";
import { scriptProblems } from "./scripts.js";

/** `signal`: the evaluator is stopping; the command is killed and the caller discards the result. */
export async function runCommandCheck(dir: string, check: CommandCheck, env: Record<string, string>, signal?: AbortSignal): Promise<CriterionResult> {
  const r = await runCommand(dir, check.command, { timeoutMs: check.timeoutMs, env, ...(signal ? { signal } : {}) });
  const failures: string[] = [];
  if (r.timedOut) failures.push(`timed out after ${check.timeoutMs}ms`);
  else if (r.exitCode !== check.expectExitCode) failures.push(`exit code ${r.exitCode ?? r.signal} (expected ${check.expectExitCode})`);
  failures.push(...await withBoundedPatterns(check.id, (m) => checkOutput(check.expectOutput, r.stdout, r.stderr, m)));
  failures.push(...await scriptProblems(dir, check));
  const passed = failures.length === 0;
  return {
    checkId: check.id, kind: "command", description: check.description,
    score: passed ? 10 : 0, threshold: 10, passed,
    evidence: [outputEvidence(`\`${check.command}\` exited ${r.exitCode ?? r.signal} in ${r.durationMs}ms`, r.stdout, r.stderr)],
    feedback: passed ? "passed" : `\`${check.command}\` failed: ${failures.join("; ")}`,
  };
}
