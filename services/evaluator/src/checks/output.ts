import type { Evidence, OutputAssertion } from "@harness/contracts";

/** Keeps evidence small: the tail of long output is usually where the failure is. */
export function tail(text: string, max = 4_000): string {
  return text.length <= max ? text : `[... ${text.length - max} chars before ...]\n${text.slice(-max)}`;
}

export function checkOutput(assertions: OutputAssertion[], stdout: string, stderr: string): string[] {
  const failures: string[] = [];
  for (const a of assertions) {
    const text = a.stream === "stdout" ? stdout : a.stream === "stderr" ? stderr : `${stdout}\n${stderr}`;
    if (a.contains !== undefined && !text.includes(a.contains)) failures.push(`${a.stream} does not contain ${JSON.stringify(a.contains)}`);
    if (a.notContains !== undefined && text.includes(a.notContains)) failures.push(`${a.stream} contains ${JSON.stringify(a.notContains)}`);
    if (a.matches !== undefined) {
      let re: RegExp | undefined;
      try { re = new RegExp(a.matches, "m"); } catch { failures.push(`invalid pattern ${JSON.stringify(a.matches)}`); }
      if (re && !re.test(text)) failures.push(`${a.stream} does not match /${a.matches}/`);
    }
  }
  return failures;
}

export function outputEvidence(summary: string, stdout: string, stderr: string): Evidence {
  return { kind: "output", summary, detail: tail(`--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`) };
}
