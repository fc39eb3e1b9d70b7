import type { Evidence, OutputAssertion } from "@harness/contracts";
import { directMatcher, textFailures, type Matcher } from "./text-assert.js";

/** Keeps evidence small: the tail of long output is usually where the failure is. */
export function tail(text: string, max = 4_000): string {
  return text.length <= max ? text : `[... ${text.length - max} chars before ...]\n${text.slice(-max)}`;
}

export function checkOutput(assertions: OutputAssertion[], stdout: string, stderr: string, match: Matcher = directMatcher): string[] {
  return assertions.flatMap((a) => textFailures(a, a.stream === "stdout" ? stdout : a.stream === "stderr" ? stderr : `${stdout}\n${stderr}`, a.stream, match));
}

export function outputEvidence(summary: string, stdout: string, stderr: string): Evidence {
  return { kind: "output", summary, detail: tail(`--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`) };
}
