import type { ScriptRequest } from "./request.js";
import type { MessageReply } from "./schema.js";

/** The evaluator's explorer offers this tool; a script plays the explorer by matching `hasTool` on it. */
export const EXPLORER_TOOL = "report_finding";

/**
 * Replies for requests no rule matched that every script would otherwise have to spell out: the
 * evaluator's exploratory QA runs after every evaluation of a running app, and a script written
 * before (or without) an explorer answers it "no findings" in one call instead of a 400.
 */
export function defaultReply(req: ScriptRequest): { label: string; reply: MessageReply } | null {
  if (req.toolNames.includes(EXPLORER_TOOL) && req.forcedTool === null) {
    return { label: "default-explorer", reply: { text: "No findings: nothing I tried contradicted the acceptance criteria." } };
  }
  return null;
}
