import { JetStreamApiError, type ApiError, type PubAck } from "@nats-io/jetstream";
import {
  NoRespondersError, TimeoutError, createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription,
} from "@nats-io/transport-node";

const DEFAULT_TIMEOUT_MS = 5_000;
const SWEEP_MS = 250;

interface Waiting {
  resolve(pa: PubAck): void;
  reject(err: Error): void;
  subject: string;
  deadline: number;
}

/**
 * JetStream publish with one wildcard reply subscription for every ack. The client's
 * js.publish() runs a full request per message (a timer, a muxed-reply entry and an Error
 * allocated to cancel it); on the hot path that costs more than validating the message.
 */
export class AckPublisher {
  private readonly prefix = `${createInbox()}.`;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => { if (!err) this.settle(msg); } });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  publish(subject: string, data: string | Uint8Array, headers: MsgHdrs): Promise<PubAck> {
    const token = (this.next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, subject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: this.prefix + token, headers });
      } catch (err) {
        this.waiting.delete(token);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    if (!this.nc.isClosed()) this.sub.unsubscribe();
    for (const w of this.waiting.values()) w.reject(new Error("bus closed before the publish was acknowledged"));
    this.waiting.clear();
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return;
    this.waiting.delete(token);
    if (msg.headers?.code === 503) {
      w.reject(new NoRespondersError(w.subject));
      return;
    }
    try {
      const r = msg.json<PubAck & { error?: ApiError }>();
      if (r.error) w.reject(new JetStreamApiError(r.error));
      else w.resolve({ ...r, duplicate: r.duplicate ?? false });
    } catch (err) {
      w.reject(err instanceof Error ? err : new Error(String(err)));
    }
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
