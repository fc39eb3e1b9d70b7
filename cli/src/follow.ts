import type { ApiTarget } from "./client.js";
import { CliError, request } from "./client.js";
import { judgeVerdict, progressBar, SprintProgress, verdictCounts } from "./progress.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are read loosely for display
interface Msg { type: string; sprint: number; attempt: number; payload: Record<string, any> }

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** Shortens text for one line, saying so. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** One line per step of the run, as it happens. Resolves with the final status. */
export async function followRun(target: ApiTarget, runId: string, print: (line: string) => void = (l) => console.log(l)): Promise<string> {
  let cost = 0;
  let sprints = 0;
  let lastSeq = 0;
  // Where the run waits for a person, said when it gets there: otherwise the output just stops.
  type Gated = { options: { gates?: { approveSpec?: boolean; approveContracts?: boolean }; evaluators?: string[] } };
  let run: Gated | undefined;
  // As the stream below does: a supervisor restarting is waited for, not a reason to give up.
  for (let tries = 0; !run; tries++) {
    try { run = await request<Gated>(target, "GET", `/runs/${runId}`); } catch (err) {
      const passing = err instanceof CliError && (err.code === "CLI_ERR_UNREACHABLE" || / failed \(50[234]\)/.test(err.message));
      if (!passing || tries >= 20) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  const { options } = run;
  const gates = options.gates ?? {};
  const progress = new SprintProgress(options.evaluators ?? ["core"]);
  // Each sprint's latest proposed contract: the checks `core` must return a result for.
  const agreed = new Map<number, string[]>();
  let building = false;
  const onMessage = (m: Msg): string | undefined => {
    // Sprint 0 builds and verdicts are the final acceptance of the whole product.
    const at = `${m.sprint === 0 ? "final acceptance" : `sprint ${m.sprint}`}${m.attempt ? ` · attempt ${m.attempt}` : ""}`;
    const p = m.payload;
    switch (m.type) {
      case "run.requested": print(`run ${runId} requested`); return;
      case "spec.produced":
        sprints = p["spec"].sprints.length;
        print(`spec v${p["version"]}: "${p["spec"].title}" · ${p["spec"].features.length} features over ${sprints} sprints`);
        // A replan (once building) goes on without the gate.
        if (gates.approveSpec && !building) print(`waiting for your approval of the spec: pnpm harness approve ${runId}, or pnpm harness revise ${runId} --spec "..."`);
        return;
      case "contract.proposed":
        building = true;
        agreed.set(m.sprint, p["contract"].checks.map((c: { id: string }) => c.id));
        print(`${at} · contract round ${p["round"]} proposed: ${p["contract"].checks.length} checks`); return;
      case "contract.reviewed":
        print(`${at} · contract round ${p["round"]} ${p["review"].approved ? "agreed" : `sent back (${p["review"].changeRequests.length} change requests)`}`);
        if (gates.approveContracts && p["review"].approved) print(`${at} · waiting for your approval of the contract: pnpm harness approve ${runId}, or pnpm harness revise ${runId} --contract "..."`);
        return;
      case "build.produced": print(`${at} · built ${p["files"].length} files (${String(p["artifact"].digest).slice(0, 12)})`); return;
      case "verdict.produced": {
        const v = p["verdict"];
        // Counted as the supervisor decides it, not as the evaluator flagged it.
        const j = judgeVerdict(v, m.sprint > 0 ? agreed.get(m.sprint) : []);
        const [first, ...rest] = j.failed;
        const firstLine = first ? clip(first.feedback.split("\n")[0] ?? "", 160) : "";
        const more = rest.length > 0 ? ` (+${rest.length} more: ${rest.map((c) => c.checkId).join(", ")})` : "";
        print(`${at} · ${v.evaluator}: ${verdictCounts(j)}${first ? ` · ${first.checkId}: ${firstLine}${more}` : ""}`);
        if (progress.record(m.sprint, m.attempt, v.evaluator, j.passed)) print(`${progressBar(progress.passed, sprints)} · $${cost.toFixed(4)}`);
        return;
      }
      case "usage.recorded": cost += p["costUsd"]; return;
      case "budget.exceeded": print(`budget: ${p["kind"]} exceeded (${p["detail"]})`); return;
      case "work.failed": print(`${p["role"]} failed: ${p["reason"]}`); return;
      // A decision that kept the status (an approval, a stall re-dispatch) is said as what it was.
      // Said once per attempt by the supervisor's watchdog: the verdict it waits for has nobody to give it.
      case "run.transition":
        if (p["decision"] === "evaluator_missing") { print(String(p["reason"])); return; }
        print(p["from"] === p["to"] ? `${String(p["decision"]).replaceAll("_", " ")}${p["reason"] ? `: ${p["reason"]}` : ""}` : `status: ${p["from"]} -> ${p["to"]}${p["reason"] ? ` (${p["reason"]})` : ""}`); return TERMINAL.has(p["to"]) ? p["to"] : undefined;
      default: return;
    }
  };
  // Reconnects resume from the last seen sequence, so nothing is printed twice.
  for (let reconnects = 0; reconnects < 20; reconnects++) {
    let res: Response;
    try {
      res = await fetch(`${target.url}/runs/${runId}/events`, { headers: { accept: "text/event-stream", "last-event-id": String(lastSeq), ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) } });
    } catch { await new Promise((r) => setTimeout(r, 1_000)); continue; }
    if (res.status === 404) throw new CliError(`run ${runId} not found`, 4);
    // A supervisor restarting behind a proxy, or NATS away (503): passing, so waited for.
    if (res.status === 502 || res.status === 503 || res.status === 504) { await res.body?.cancel(); await new Promise((r) => setTimeout(r, 1_000)); continue; }
    if (!res.ok || !res.body) throw new CliError(`cannot follow run ${runId}: ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let idx: number;
        while ((idx = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (!data) continue;
          const e = JSON.parse(data) as { seq: number; message: Msg };
          if (e.seq <= lastSeq) continue;
          lastSeq = e.seq;
          const terminal = onMessage(e.message);
          if (terminal) return terminal;
        }
      }
    } catch { /* connection dropped: reconnect */ }
  }
  throw new CliError(`lost the event stream of run ${runId}`);
}
