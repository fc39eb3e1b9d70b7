import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { isTransientNatsError, StoreError } from "@harness/bus";
import { errors } from "./errors.js";
import { forbiddenMessage } from "./request-safety.js";

/** Fastify's own limit on one path parameter (its default), stated in the answer to a longer one. */
export const MAX_PARAM_LENGTH = 100;

interface ReplyBody { error: string; message: string; statusCode: number }

const PART: Record<string, string> = { body: "body", params: "path", querystring: "query", headers: "header" };

/** "invalid body: options.budget.maxCostUsd: Too small: expected number to be >0": names the field. */
function validationMessage(err: FastifyError): string {
  const where = PART[err.validationContext ?? ""] ?? err.validationContext ?? "request";
  const issues = (err.validation ?? []).map((v) => {
    const field = v.instancePath.replace(/^\//, "").replaceAll("/", ".");
    return field ? `${field}: ${v.message ?? "invalid"}` : (v.message ?? "invalid");
  });
  return `invalid ${where}: ${issues.join("; ")}`;
}

/**
 * Maps every failure to `{ error, message, statusCode }` with a SUP_ERR_* code. Fastify's own
 * client errors (bad JSON, too large, wrong content type) keep their status under our codes;
 * anything unexpected is a 500 whose details stay in the log.
 */
/**
 * A read the run store could not answer this time (a listing cut short, NATS away or late): the
 * same request can be made again. Only reads: a write may have landed before its reply was lost,
 * and "try again" would invite a second run.
 */
function passingReadFailure(err: FastifyError, method: string | undefined): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  return (err instanceof StoreError && err.retryable) || isTransientNatsError(err);
}

export function toReplyBody(err: FastifyError, forbiddenKeys?: readonly string[], method?: string): ReplyBody {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const extra = forbiddenKeys && err.validationContext === "body" ? `; ${forbiddenMessage(forbiddenKeys)}` : "";
    return body(new errors.InvalidRequest(`${validationMessage(err)}${extra}`));
  }
  if (err.code?.startsWith("SUP_ERR_")) return body(err);
  if (passingReadFailure(err, method)) return body(new errors.Unavailable("the run store could not be read"));
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE": return { error: "SUP_ERR_PAYLOAD_TOO_LARGE", message: err.message, statusCode: 413 };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": return { error: "SUP_ERR_UNSUPPORTED_MEDIA_TYPE", message: err.message, statusCode: 415 };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY": return { error: "SUP_ERR_INVALID_REQUEST", message: `invalid body: ${err.message}`, statusCode: 400 };
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && !err.code?.startsWith("FST_ERR_RESPONSE"))) {
    return { error: "SUP_ERR_INVALID_REQUEST", message: `invalid body: ${err.message}`, statusCode: 400 };
  }
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  return status === 500 ? body(new errors.Internal()) : { error: "SUP_ERR_REQUEST", message: err.message, statusCode: status };
}

function body(err: FastifyError): ReplyBody {
  return { error: err.code, message: err.message, statusCode: err.statusCode ?? 500 };
}

/**
 * Failures fastify meets before routing (a malformed percent-escape, a path parameter longer than
 * the router takes) would otherwise be answered in fastify's own format, bypassing errorHandler.
 * The path is not echoed back in full: it can be thousands of characters.
 */
export function frameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const out = frameworkReplyBody(err);
  if (out.statusCode >= 500) req.log.error({ err }, "request failed");
  else req.log.info({ code: out.error, status: out.statusCode }, out.message);
  return reply.code(out.statusCode).send(out);
}

export function frameworkReplyBody(err: FastifyError): ReplyBody {
  switch (err.code) {
    case "FST_ERR_BAD_URL":
      return body(new errors.InvalidRequest("invalid path: not a valid URL (a malformed percent-escape)"));
    case "FST_ERR_MAX_PARAM_LENGTH":
      return body(new errors.InvalidRequest(`invalid path: a path parameter is longer than ${MAX_PARAM_LENGTH} characters (run ids are at most 64 characters)`));
    default:
      return body(new errors.Internal());
  }
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const out = toReplyBody(err, req.forbiddenKeys, req.method);
  if (out.error === "SUP_ERR_UNAVAILABLE") req.log.warn({ err }, "request failed: the run store could not be read");
  else if (out.statusCode >= 500) req.log.error({ err }, "request failed");
  else req.log.info({ code: out.error, status: out.statusCode }, out.message);
  return reply.code(out.statusCode).send(out);
}

/**
 * Requests Node's HTTP parser refuses before fastify sees them (headers over its size limit, a
 * malformed request line or header, a request that did not arrive in time): fastify would answer
 * them in its own format. Nothing of the request is echoed back; the connection is closed, as the
 * parser cannot find where the next request would start.
 */
export function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const out = clientReplyBody(err);
  if (socket.writable) {
    const text = JSON.stringify(out);
    socket.write(`HTTP/1.1 ${out.statusCode} ${STATUS_CODES[out.statusCode] ?? ""}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }
  socket.destroy();
}

export function clientReplyBody(err: { code?: string }): ReplyBody {
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW": return body(new errors.HeadersTooLarge());
    case "ERR_HTTP_REQUEST_TIMEOUT": return body(new errors.RequestTimeout());
    default: return body(new errors.InvalidRequest(`malformed HTTP request (${err.code ?? "unknown parse error"})`));
  }
}
