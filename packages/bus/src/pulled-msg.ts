import type { DeliveryInfo, JsMsg, PullOptions } from "@nats-io/jetstream";
import { millis, nanos, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";

const encoder = new TextEncoder();
const ACK = encoder.encode("+ACK");
const NAK = encoder.encode("-NAK");
const WPI = encoder.encode("+WPI");
const TERM = encoder.encode("+TERM");

/**
 * Delivery info from the ack subject, v1 `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`
 * or v2 with domain and account hash after `ACK`.
 */
function ackTokens(reply: string): string[] {
  const t = reply.split(".");
  if (t.length === 9) t.splice(2, 0, "_", "");
  if (t.length < 11 || t[0] !== "$JS" || t[1] !== "ACK") throw new Error(`not a JetStream delivery: ${reply}`);
  return t;
}

export function parseAckSubject(reply: string): DeliveryInfo {
  const t = ackTokens(reply);
  const int = (i: number): number => Number.parseInt(t[i] ?? "", 10);
  return {
    domain: t[2] === "_" ? "" : t[2] ?? "",
    ...(t[3] ? { account_hash: t[3] } : {}),
    stream: t[4] ?? "",
    consumer: t[5] ?? "",
    deliveryCount: int(6),
    redelivered: int(6) > 1,
    streamSequence: int(7),
    deliverySequence: int(8),
    timestampNanos: int(9),
    pending: int(10),
  };
}

/** A JsMsg over a message our own pull subscription received (the client keeps its version private). */
export class PulledMsg implements JsMsg {
  readonly info: DeliveryInfo;
  private acked = false;

  constructor(private readonly msg: Msg, private readonly nc: NatsConnection) {
    this.info = parseAckSubject(msg.reply ?? "");
  }

  get subject(): string { return this.msg.subject; }
  get sid(): number { return this.msg.sid; }
  get data(): Uint8Array { return this.msg.data; }
  get headers(): MsgHdrs | undefined { return this.msg.headers; }
  get seq(): number { return this.info.streamSequence; }
  get redelivered(): boolean { return this.info.redelivered; }
  get time(): Date { return new Date(millis(this.info.timestampNanos)); }
  get timestamp(): string { return this.time.toISOString(); }
  get timestampNanos(): bigint { return BigInt(ackTokens(this.msg.reply ?? "")[9] ?? 0); }

  ack(): void { this.final(ACK); }
  nak(millisDelay?: number): void {
    this.final(millisDelay ? encoder.encode(`-NAK ${JSON.stringify({ delay: nanos(millisDelay) })}`) : NAK);
  }
  /** Progress acks are not final: they may repeat until the real ack. */
  working(): void {
    if (!this.acked) this.msg.respond(WPI);
  }
  /** 2.9 ignores a term reason, so none is sent. */
  term(): void { this.final(TERM); }
  next(subj: string, opts: Partial<PullOptions> = {}): void {
    const args = { batch: opts.batch ?? 1, no_wait: opts.no_wait ?? false, ...(opts.expires ? { expires: nanos(opts.expires) } : {}) };
    this.acked = true;
    this.msg.respond(encoder.encode(`+NXT ${JSON.stringify(args)}`), { reply: subj });
  }
  async ackAck(opts: Partial<{ timeout: number }> = {}): Promise<boolean> {
    if (this.acked || !this.msg.reply) return false;
    this.acked = true;
    await this.nc.request(this.msg.reply, ACK, { timeout: opts.timeout ?? 5_000 });
    return true;
  }
  json<T>(): T { return this.msg.json<T>(); }
  string(): string { return this.msg.string(); }

  private final(payload: Uint8Array): void {
    if (this.acked) return;
    this.acked = true;
    this.msg.respond(payload);
  }
}
