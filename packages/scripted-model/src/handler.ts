import type { FastifyReply, FastifyRequest } from "fastify";
import { ReplyFunctionError } from "./errors.js";
import type { IdSource } from "./ids.js";
import type { RuleBook, Selection } from "./match.js";
import { flatHeaders, newRecord, preciseNow, type RecordedRequest } from "./record.js";
import { defaultReply } from "./defaults.js";
import { buildMessage, malformedInput } from "./reply.js";
import { CountTokensBody, describeRequest, MessagesBody, type ScriptRequest } from "./request.js";
import { ERROR_TYPES, type Pending, Responder } from "./respond.js";
import { checkStaticReply, type StaticReply } from "./schema.js";
import { countPromptTokens, type PromptCache } from "./tokens.js";

export interface ServerState {
  book: RuleBook;
  cache: PromptCache;
  ids: IdSource;
  pending: Pending;
  requests: RecordedRequest[];
}

const RECEIVED_AT = Symbol("receivedAt");

/** Stamps each request as its headers arrive, before fastify reads and parses the body. */
export function stampArrival(request: FastifyRequest): void {
  (request as FastifyRequest & { [RECEIVED_AT]?: number })[RECEIVED_AT] = preciseNow();
}

function receivedAt(request: FastifyRequest): number {
  return (request as FastifyRequest & { [RECEIVED_AT]?: number })[RECEIVED_AT] ?? preciseNow();
}

function begin(state: ServerState, request: FastifyRequest, reply: FastifyReply): { rec: RecordedRequest; out: Responder } {
  const path = request.url.split("?")[0] ?? request.url;
  const rec = newRecord(state.requests.length, request.method, path, flatHeaders(request.headers), request.body, receivedAt(request));
  state.requests.push(rec);
  reply.raw.once("finish", () => { rec.sentAt = preciseNow(); });
  return { rec, out: new Responder(reply, rec, state.ids.next("req")) };
}

/** The real API answers 401 before looking at the body; keep that order so auth bugs surface first. */
function missingAuth(headers: Record<string, string>): boolean {
  return headers["x-api-key"] === undefined && headers["authorization"] === undefined;
}

function invalidBody(out: Responder, error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): FastifyReply {
  const first = error.issues[0];
  const where = first === undefined || first.path.length === 0 ? "body" : first.path.map(String).join(".");
  return out.error(400, "invalid_request_error", `${where}: ${first?.message ?? "invalid request"}`);
}

function snippet(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** Names what the request looked like, so a script author sees at once which rule is missing. */
export function unmatchedMessage(req: ScriptRequest): string {
  const tools = req.toolNames.length === 0 ? "none" : req.toolNames.join(",");
  return `scripted-model: no rule matched request #${req.index} (role=${req.role ?? "none"}, model=${req.model}, `
    + `turn=${req.turn}, toolChoice=${req.forcedTool ?? "none"}, tools=${tools}, stream=${req.stream}); `
    + `last user text: "${snippet(req.lastUserText)}"; system: "${snippet(req.system, 80)}"`;
}

async function resolveReply(selection: Selection, req: ScriptRequest): Promise<StaticReply> {
  const { reply, label, callIndex } = selection;
  if (typeof reply !== "function") return reply;
  let value: unknown;
  try {
    value = await reply(req, { callIndex });
  } catch (err) {
    throw new ReplyFunctionError(`reply function of rule ${label} threw: ${String(err)}`, { cause: err });
  }
  const checked = checkStaticReply(value);
  if (!checked.success) {
    const issues = checked.error.issues.map((i) => `${i.path.join(".") || "reply"}: ${i.message}`).join("; ");
    throw new ReplyFunctionError(`reply function of rule ${label} returned an invalid reply: ${issues}`);
  }
  return checked.data;
}

export function messagesHandler(state: ServerState) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const { rec, out } = begin(state, request, reply);
    if (missingAuth(rec.headers)) return out.error(401, "authentication_error", "x-api-key header is required");
    const parsed = MessagesBody.safeParse(request.body);
    if (!parsed.success) return invalidBody(out, parsed.error);

    const req = describeRequest(rec.index, rec.path, rec.headers, parsed.data);
    rec.role = req.role;
    const selection = state.book.select(req);
    if (selection === null) {
      const fallback = defaultReply(req);
      if (fallback === null) return out.error(400, "invalid_request_error", unmatchedMessage(req));
      rec.matchedRule = fallback.label;
      return respond(state, out, req, fallback.reply);
    }
    rec.matchedRule = selection.label;
    rec.replyIndex = selection.replyIndex;

    let chosen: StaticReply;
    try {
      chosen = await resolveReply(selection, req);
    } catch (err) {
      // x-should-retry: false, or the SDK would call a broken script function three times.
      return out.error(500, "api_error", (err as Error).message, { "x-should-retry": "false" });
    }
    rec.fault = "fault" in chosen ? chosen.fault : null;
    const delayMs = rec.fault === "timeout" ? undefined : chosen.delayMs;
    if (delayMs !== undefined && delayMs > 0 && !(await state.pending.sleep(delayMs, reply.raw))) {
      out.drop();
      return undefined;
    }
    return respond(state, out, req, chosen);
  };
}

function respond(state: ServerState, out: Responder, req: ScriptRequest, chosen: StaticReply): FastifyReply | undefined {
  const prompt = (): ReturnType<PromptCache["usage"]> => state.cache.usage(req.body);
  if (!("fault" in chosen)) return out.message(buildMessage(chosen, req, state.ids, prompt()), req.stream);
  const message = chosen.message;
  switch (chosen.fault) {
    case "rate_limit":
      return out.error(429, "rate_limit_error", message ?? "Number of request tokens has exceeded your per-minute rate limit", {
        "retry-after": String(chosen.retryAfterSeconds ?? 1),
      });
    case "overloaded":
      return out.error(529, "overloaded_error", message ?? "Overloaded");
    case "server_error":
      return out.error(500, "api_error", message ?? "Internal server error");
    case "http_error":
      return out.error(chosen.status, chosen.errorType ?? ERROR_TYPES[chosen.status] ?? "api_error", message ?? `HTTP ${chosen.status}`);
    case "malformed_tool_input": {
      const tool = chosen.tool ?? req.forcedTool ?? req.toolNames[0] ?? "tool";
      const toolUse = [{ name: tool, input: chosen.input ?? malformedInput(req, tool) }];
      const base = chosen.text === undefined ? { toolUse } : { text: chosen.text, toolUse };
      return out.message(buildMessage(base, req, state.ids, prompt()), req.stream);
    }
    case "cut_stream":
      out.cut(buildMessage({ text: chosen.text ?? PARTIAL_TEXT }, req, state.ids, prompt()), req.stream, chosen.afterEvents);
      return undefined;
    case "stream_error": {
      const type = chosen.errorType ?? "overloaded_error";
      if (!req.stream) return out.error(type === "overloaded_error" ? 529 : 500, type, message ?? "Overloaded");
      out.streamError(buildMessage({ text: chosen.text ?? PARTIAL_TEXT }, req, state.ids, prompt()), type, undefined, message ?? "Overloaded");
      return undefined;
    }
    case "timeout":
      void out.hang(state.pending, chosen.delayMs);
      return undefined;
  }
}

const PARTIAL_TEXT = "This answer is being streamed and will be cut off before it is complete, so the client never sees message_stop.";

export function countTokensHandler(state: ServerState) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { rec, out } = begin(state, request, reply);
    if (missingAuth(rec.headers)) return out.error(401, "authentication_error", "x-api-key header is required");
    const parsed = CountTokensBody.safeParse(request.body);
    if (!parsed.success) return invalidBody(out, parsed.error);
    const body = { input_tokens: countPromptTokens(parsed.data) };
    return out.json(200, body);
  };
}
