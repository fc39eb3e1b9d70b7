import type { ScriptRequest } from "./request.js";
import type { Fault, Match, Reply, Rule, TurnMatch } from "./schema.js";

/** Every key present must hold (AND); an absent or empty match accepts every request. */
export function matches(match: Match | undefined, req: ScriptRequest): boolean {
  if (match === undefined) return true;
  if (match.role !== undefined && !roleMatches(match.role, req)) return false;
  if (match.systemContains !== undefined && !req.system.includes(match.systemContains)) return false;
  if (match.lastUserContains !== undefined && !req.lastUserText.includes(match.lastUserContains)) return false;
  if (match.contains !== undefined && !req.allText.includes(match.contains)) return false;
  if (match.toolChoice !== undefined && req.forcedTool !== match.toolChoice) return false;
  if (match.hasTool !== undefined && !req.toolNames.includes(match.hasTool)) return false;
  if (match.turn !== undefined && !turnMatches(match.turn, req.turn)) return false;
  if (match.model !== undefined && req.model !== match.model) return false;
  if (match.stream !== undefined && req.stream !== match.stream) return false;
  if (match.predicate !== undefined && !match.predicate(req)) return false;
  return true;
}

/*
 * An explicit role (header, metadata, marker) is authoritative; only without one do we fall back to
 * a substring of the system prompt, because prompts often mention other roles by name.
 */
function roleMatches(role: string, req: ScriptRequest): boolean {
  if (req.role !== null) return req.role.toLowerCase() === role.toLowerCase();
  return req.system.toLowerCase().includes(role.toLowerCase());
}

function turnMatches(turn: TurnMatch, actual: number): boolean {
  if (typeof turn === "number") return actual === turn;
  return (turn.min === undefined || actual >= turn.min) && (turn.max === undefined || actual <= turn.max);
}

export interface Selection {
  reply: Reply;
  /** Rule name when it has one, else its index; "injected" for faults from injectFault(). */
  label: number | string;
  replyIndex: number;
  /** How many earlier requests this rule served. */
  callIndex: number;
}

interface RuleState { served: number; replyIndex: number; replyUses: number }
interface Injected { fault: Fault; remaining: number; match: Match | undefined }

/*
 * A reply with `times` is used exactly that often; an earlier reply without it is used once; the
 * last reply without it repeats. When the last reply runs out the rule is exhausted and requests
 * fall through to later rules, which is how "fail twice, then succeed" scripts are written.
 */
function replyLimit(reply: Reply, isLast: boolean): number {
  if (typeof reply !== "function" && reply.times !== undefined) return reply.times;
  return isLast ? Number.POSITIVE_INFINITY : 1;
}

export class RuleBook {
  #rules: Rule[] = [];
  #states: RuleState[] = [];
  #injected: Injected[] = [];

  constructor(rules: Rule[]) {
    this.setRules(rules);
  }

  setRules(rules: Rule[]): void {
    this.#rules = rules;
    this.#states = rules.map(() => ({ served: 0, replyIndex: 0, replyUses: 0 }));
  }

  inject(fault: Fault, times: number, match: Match | undefined): void {
    this.#injected.push({ fault, remaining: times, match });
  }

  reset(): void {
    this.#injected = [];
    this.setRules(this.#rules);
  }

  select(req: ScriptRequest): Selection | null {
    const injected = this.#injected.find((i) => matches(i.match, req));
    if (injected !== undefined) {
      injected.remaining -= 1;
      if (injected.remaining <= 0) this.#injected.splice(this.#injected.indexOf(injected), 1);
      return { reply: injected.fault, label: "injected", replyIndex: 0, callIndex: 0 };
    }
    for (const [index, rule] of this.#rules.entries()) {
      const state = this.#states[index];
      if (state === undefined || !matches(rule.match, req)) continue;
      const selection = this.#take(rule, state, index);
      if (selection !== null) return selection;
    }
    return null;
  }

  #take(rule: Rule, state: RuleState, index: number): Selection | null {
    const limit = rule.once === true ? 1 : (rule.times ?? Number.POSITIVE_INFINITY);
    if (state.served >= limit) return null;
    const replies = rule.replies ?? (rule.reply === undefined ? [] : [rule.reply]);
    for (;;) {
      const reply = replies[state.replyIndex];
      if (reply === undefined) return null;
      if (state.replyUses < replyLimit(reply, state.replyIndex === replies.length - 1)) break;
      state.replyIndex += 1;
      state.replyUses = 0;
    }
    const reply = replies[state.replyIndex] as Reply;
    const selection = { reply, label: rule.name ?? index, replyIndex: state.replyIndex, callIndex: state.served };
    state.replyUses += 1;
    state.served += 1;
    return selection;
  }
}
