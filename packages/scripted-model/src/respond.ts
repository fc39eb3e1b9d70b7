import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";
import type { RecordedRequest } from "./record.js";
import type { OutMessage } from "./reply.js";
import { defaultCutPoint, messageEvents, writeSseEvent, writeSseHead } from "./sse.js";

/** The API's error `type` per status, used when a script gives only a status. */
export const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/** Cancellable waits, so close() never waits on a scripted delay or a hanging request. */
export class Pending {
  #closed = false;
  readonly #cancels = new Set<() => void>();

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves true after `ms` (never, when undefined), or false as soon as the server closes or
   * `res` closes: a client that gave up must not keep a timer alive.
   */
  sleep(ms: number | undefined, res?: ServerResponse): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (completed: boolean): void => {
        if (timer !== undefined) clearTimeout(timer);
        res?.off("close", cancel);
        this.#cancels.delete(cancel);
        resolve(completed);
      };
      const cancel = (): void => done(false);
      const timer = ms === undefined ? undefined : setTimeout(() => done(true), ms);
      res?.once("close", cancel);
      this.#cancels.add(cancel);
    });
  }

  close(): void {
    this.#closed = true;
    for (const cancel of [...this.#cancels]) cancel();
  }
}

/** Writes one answer and fills in the request's record; the only place responses leave the server. */
export class Responder {
  constructor(
    private readonly reply: FastifyReply,
    private readonly rec: RecordedRequest,
    private readonly requestId: string,
  ) {}

  #finish(status: number, response: unknown): void {
    this.rec.status = status;
    this.rec.response = response;
    this.rec.durationMs = Date.now() - this.rec.time;
  }

  error(status: number, type: string, message: string, headers: Record<string, string> = {}): FastifyReply {
    const body = { type: "error", error: { type, message }, request_id: this.requestId };
    this.#finish(status, body);
    return this.reply.code(status).headers({ ...headers, "request-id": this.requestId }).send(body);
  }

  json(status: number, body: unknown): FastifyReply {
    this.#finish(status, body);
    return this.reply.code(status).header("request-id", this.requestId).send(body);
  }

  /** The client left or the server is closing: nothing to answer. */
  drop(): void {
    this.rec.durationMs = Date.now() - this.rec.time;
    this.reply.hijack();
    this.reply.raw.destroy();
  }

  message(message: OutMessage, stream: boolean): FastifyReply | undefined {
    this.rec.usage = message.usage;
    if (!stream) return this.json(200, message);
    this.#finish(200, message);
    const res = this.#openStream();
    for (const e of messageEvents(message)) writeSseEvent(res, e);
    res.end();
    return undefined;
  }

  /** Sends part of the answer, then drops the connection so the client sees a truncated body. */
  cut(message: OutMessage, stream: boolean, afterEvents: number | undefined): void {
    this.rec.usage = message.usage;
    this.#finish(200, message);
    if (stream) {
      const events = messageEvents(message);
      const res = this.#openStream();
      for (const e of events.slice(0, afterEvents ?? defaultCutPoint(events))) writeSseEvent(res, e);
      res.destroy();
      return;
    }
    this.reply.hijack();
    const json = JSON.stringify(message);
    const res = this.reply.raw;
    res.writeHead(200, { "content-type": "application/json", "request-id": this.requestId });
    res.write(json.slice(0, Math.floor(json.length / 2)));
    res.destroy();
  }

  /** The API's mid-stream failure: an `error` event after some content, then a clean end. */
  streamError(message: OutMessage, errorType: string, afterEvents: number | undefined, text: string): void {
    this.rec.usage = message.usage;
    const events = messageEvents(message);
    const error = { type: "error", error: { type: errorType, message: text }, request_id: this.requestId };
    this.#finish(200, error);
    const res = this.#openStream();
    for (const e of events.slice(0, afterEvents ?? defaultCutPoint(events))) writeSseEvent(res, e);
    writeSseEvent(res, { event: "error", data: error });
    res.end();
  }

  /** Holds the connection open without answering; dropped after `ms` or when the server closes. */
  async hang(pending: Pending, ms: number | undefined): Promise<void> {
    this.reply.hijack();
    const res = this.reply.raw;
    await pending.sleep(ms, res);
    this.rec.durationMs = Date.now() - this.rec.time;
    res.destroy();
  }

  #openStream(): FastifyReply["raw"] {
    this.reply.hijack();
    const res = this.reply.raw;
    writeSseHead(res, { "request-id": this.requestId });
    return res;
  }
}
