import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { InvalidScriptError, ServerStartError } from "./errors.js";
import { countTokensHandler, messagesHandler, stampArrival, type ServerState } from "./handler.js";
import { IdSource } from "./ids.js";
import { loadScript, parseScript } from "./load.js";
import { RuleBook } from "./match.js";
import type { RecordedRequest } from "./record.js";
import { ERROR_TYPES, Pending } from "./respond.js";
import { Fault, type Match, rulesOf, type Script } from "./schema.js";
import { PromptCache } from "./tokens.js";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 0;
/* Generator prompts carry whole files; fastify's 1 MiB default would reject them. */
const BODY_LIMIT = 32 * 1024 * 1024;

export interface StartOptions {
  /** Script value, or a path to a .json/.yaml/.yml file. */
  script: Script | string;
  port?: number;
  host?: string;
  /** fastify's request logging (pino to stdout). */
  logger?: boolean;
  /** Prefixes shorter than this are never cached, as with the real API's per-model minimum. Default 0. */
  minCacheableTokens?: number;
}

export interface InjectOptions {
  /** How many matching requests get the fault (default 1). */
  times?: number;
  match?: Match;
}

export interface ScriptedModel {
  /** `http://127.0.0.1:<port>`: the SDK's baseURL. */
  readonly url: string;
  readonly port: number;
  /** Every request in arrival order; the same array for the server's lifetime. */
  readonly requests: RecordedRequest[];
  /** Replaces the rules and restarts their reply sequences; recorded requests and cache stay. */
  setScript(script: Script | string): void;
  /** A fault for the next matching request(s), ahead of every rule. */
  injectFault(fault: Fault, opts?: InjectOptions): void;
  /** Clears recorded requests, rule progress, injected faults, the prompt cache and id counters. */
  reset(): void;
  close(): Promise<void>;
}

function toScript(script: Script | string): Script {
  return typeof script === "string" ? loadScript(script) : parseScript(script);
}

function buildApp(state: ServerState, logger: boolean): FastifyInstance {
  const app = Fastify({ logger, bodyLimit: BODY_LIMIT, forceCloseConnections: true });
  app.addHook("onRequest", (request, _reply, done) => { stampArrival(request); done(); });
  app.post("/v1/messages", messagesHandler(state));
  app.post("/v1/messages/count_tokens", countTokensHandler(state));
  app.get("/health", async () => ({ ok: true }));
  // Answer in the API's error shape even for failures fastify detects itself (bad JSON, too large).
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    return reply.code(status).send({ type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message: err.message } });
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ type: "error", error: { type: "not_found_error", message: `scripted-model: no route ${request.method} ${request.url}` } });
  });
  return app;
}

export async function startScriptedModel(opts: StartOptions): Promise<ScriptedModel> {
  const cacheOpts = opts.minCacheableTokens === undefined ? {} : { minCacheableTokens: opts.minCacheableTokens };
  const state: ServerState = {
    book: new RuleBook(rulesOf(toScript(opts.script))),
    cache: new PromptCache(cacheOpts),
    ids: new IdSource(),
    pending: new Pending(),
    requests: [],
  };
  const app = buildApp(state, opts.logger ?? false);
  const host = opts.host ?? DEFAULT_HOST;
  try {
    await app.listen({ host, port: opts.port ?? DEFAULT_PORT });
  } catch (err) {
    throw new ServerStartError(`cannot listen on ${host}:${opts.port ?? DEFAULT_PORT}: ${(err as Error).message}`, { cause: err });
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : (opts.port ?? DEFAULT_PORT);

  return {
    url: `http://${host}:${port}`,
    port,
    requests: state.requests,
    setScript(script) {
      state.book.setRules(rulesOf(toScript(script)));
    },
    injectFault(fault, injectOpts = {}) {
      const parsed = Fault.safeParse(fault);
      if (!parsed.success) throw new InvalidScriptError(parsed.error.issues.map((i) => `fault.${i.path.join(".")}: ${i.message}`));
      state.book.inject(parsed.data, injectOpts.times ?? parsed.data.times ?? 1, injectOpts.match);
    },
    reset() {
      state.requests.length = 0;
      state.book.reset();
      state.cache.clear();
      state.ids.reset();
    },
    async close() {
      state.pending.close();
      await app.close();
    },
  };
}
