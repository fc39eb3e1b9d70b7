import { JetStreamApiError, type ApiError, type PubAck } from "@nats-io/jetstream";
import {
  NoRespondersError, TimeoutError, errors, type Msg, type MsgHdrs, type NatsConnection, type Status, type Subscription,
} from "@nats-io/transport-node";
import { newInbox } from "./inbox.js";
import { stopStatuses } from "./statuses.js";

const DEFAULT_TIMEOUT_MS = 5_000;
const SWEEP_MS = 250;

interface Waiting {
  resolve(msg: Msg): void;
  reject(err: Error): void;
  subject: string;
  deadline: number;
  /** Sent before the connection dropped: its reply went to the old connection, if anywhere. */
  orphaned?: boolean;
}

/**
 * Requests on the hot path (JetStream publishes, KV writes and direct gets) with one wildcard
 * reply subscription for all of them. The client's own request() runs a full request object per
 * call (a timer, a muxed-reply entry and an Error allocated to cancel it even after a reply); on
 * the hot path that costs more than validating the message.
 */
export class AckPublisher {
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private readonly statuses: AsyncIterable<Status>;
  private next = 0;
  /** Why the reply subscription ended, when the server ended it: no reply can come any more. */
  private broken: Error | undefined;

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.prefix = `${newInbox(nc)}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => { if (err) this.fail(err); else this.settle(msg); } });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    this.statuses = nc.status();
    this.watchDenials().catch(() => undefined);
  }

  /** A JetStream publish: resolves with the stream's ack, rejects with its API error. */
  async publish(subject: string, data: string | Uint8Array, headers?: MsgHdrs): Promise<PubAck> {
    const reply = await this.request(subject, data, headers);
    if (reply.headers?.code === 503) throw new NoRespondersError(subject);
    const r = reply.json<PubAck & { error?: ApiError }>();
    if (r.error) throw new JetStreamApiError(r.error);
    return { ...r, duplicate: r.duplicate ?? false };
  }

  /** One reply, whatever it holds (a status reply included); rejects only on timeout or close. */
  request(subject: string, data: string | Uint8Array, headers?: MsgHdrs): Promise<Msg> {
    const token = (this.next++).toString(36);
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<Msg>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, subject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, headers ? { reply: this.prefix + token, headers } : { reply: this.prefix + token });
      } catch (err) {
        this.waiting.delete(token);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    stopStatuses(this.statuses);
    if (!this.nc.isClosed()) this.sub.unsubscribe();
    for (const w of this.waiting.values()) w.reject(new Error("bus closed before the request was answered"));
    this.waiting.clear();
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return;
    this.waiting.delete(token);
    w.resolve(msg);
  }

  /**
   * The server answers a publish it forbids with an error on the connection, not a reply: the
   * requests to that subject fail with it at once instead of waiting out their timeout, so a
   * missing permission reads as one.
   */
  private async watchDenials(): Promise<void> {
    for await (const s of this.statuses) {
      if (s.type === "disconnect") this.orphanWaiting();
      if (s.type === "reconnect") this.failOrphaned();
      if (s.type !== "error" || !(s.error instanceof errors.PermissionViolationError) || s.error.operation !== "publish") continue;
      const denied = s.error;
      for (const [token, w] of this.waiting) {
        if (w.subject !== denied.subject) continue;
        this.waiting.delete(token);
        w.reject(denied);
      }
    }
  }

  /**
   * A reply to a request sent before a disconnect can no longer arrive: the server answered the
   * old connection, or died with the request. Waiting out the timeout (5 s) only delays the
   * caller's retry (publishes carry a message id, so a retried one that had landed is a
   * duplicate the stream drops), and a process killed meanwhile loses what it was storing.
   * Requests made while disconnected are buffered and sent on reconnect: they wait as usual.
   */
  private orphanWaiting(): void {
    for (const w of this.waiting.values()) w.orphaned = true;
  }

  private failOrphaned(): void {
    for (const [token, w] of this.waiting) {
      if (!w.orphaned) continue;
      this.waiting.delete(token);
      w.reject(new TimeoutError());
    }
  }

  /**
   * The reply subscription itself failed (e.g. the user may not subscribe to its inbox): nothing
   * waiting, and nothing asked later, can be answered, so all of it fails with the server's error.
   */
  private fail(err: Error): void {
    this.broken = err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, w] of this.waiting) {
      if (w.deadline <= now) {
        this.waiting.delete(token);
        w.reject(new TimeoutError());
      }
    }
  }
}
