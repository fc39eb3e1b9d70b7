import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "./errors.js";

/** Keys that could reach an object's prototype; no API body has a use for them. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor"]);

/** Query parameters whose values are harmless to log; any other value is redacted. */
const LOGGED_QUERY = new Set(["status", "limit", "offset", "after"]);

declare module "fastify" {
  interface FastifyRequest { forbiddenKeys?: string[] }
}

/**
 * JSON bodies: parsed with the forbidden keys taken out and remembered, so the request is refused
 * with a 400 that names them together with every schema failure (fastify's own parser would
 * answer "not valid JSON" and name nothing).
 */
export function useJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") { done(new errors.InvalidRequest("invalid body: empty, but content-type is application/json"), undefined); return; }
    const forbidden: string[] = [];
    let value: unknown;
    try {
      value = JSON.parse(text, (key, v: unknown) => {
        if (!FORBIDDEN_KEYS.has(key)) return v;
        forbidden.push(key);
        return undefined;
      });
    } catch (err) {
      done(new errors.InvalidRequest(`invalid body: not JSON (${err instanceof Error ? err.message : String(err)})`), undefined);
      return;
    }
    if (forbidden.length > 0) req.forbiddenKeys = [...new Set(forbidden)];
    done(null, value);
  });
  // A body that was valid apart from its forbidden keys is still refused.
  app.addHook("preHandler", async (req) => {
    if (req.forbiddenKeys) throw new errors.InvalidRequest(`invalid body: ${forbiddenMessage(req.forbiddenKeys)}`);
  });
}

export function forbiddenMessage(keys: readonly string[]): string {
  return keys.map((k) => `${k}: key not allowed`).join("; ");
}

/** Request log lines: the path and the harmless query values only; a misplaced token stays out. */
export function safeRequestLog(req: FastifyRequest | IncomingMessage): Record<string, unknown> {
  const raw = req.url ?? "";
  const q = raw.indexOf("?");
  let url = raw;
  if (q >= 0) {
    const params = new URLSearchParams(raw.slice(q + 1));
    const shown = [...params.keys()].map((k) => `${encodeURIComponent(k)}=${LOGGED_QUERY.has(k) ? encodeURIComponent(params.get(k) ?? "") : "[REDACTED]"}`);
    url = `${raw.slice(0, q)}?${shown.join("&")}`;
  }
  const socket = "socket" in req ? req.socket : undefined;
  return { method: req.method, url, remoteAddress: socket?.remoteAddress };
}
