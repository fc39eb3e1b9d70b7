import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { nanos, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { DEFAULT_PULL_EXPIRES_MS } from "./defaults.js";
import { newInbox } from "./inbox.js";
import { PulledMsg } from "./pulled-msg.js";
import { stopStatuses } from "./statuses.js";

const IDLE_HEARTBEAT_MS = 5_000;
/** After a server error status, wait before asking again so a deleted consumer is not hammered. */
const ERROR_PAUSE_MS = 1_000;

/** Where a runner's messages come from: it asks for n more and is told what arrives. */
export interface PullSource {
  /** Messages requested from the server and not yet received or expired. */
  readonly credits: number;
  request(n: number): void;
  stop(): Promise<void>;
}

/**
 * Pull requests on one long-lived inbox. The client's consume() refills on receipt, so its buffer
 * grows without bound behind slow handlers; its fetch() pays a subscription per pull. Here every
 * request asks for exactly the credits the runner grants, over a single subscription.
 */
export class InboxPullSource implements PullSource {
  credits = 0;
  private readonly inbox: string;
  private readonly nextSubject: string;
  private readonly sub: Subscription;
  private lastActivity = Date.now();
  private readonly monitor: NodeJS.Timeout;
  private pausedUntil = 0;
  private stopping = false;
  private readonly statuses: AsyncIterable<{ type: string }>;
  private readonly warned = new Map<string, number>();

  constructor(
    private readonly nc: NatsConnection,
    js: JetStreamClient,
    stream: string,
    consumer: string,
    private readonly log: Logger,
    private readonly onMessage: (m: JsMsg) => void,
    private readonly onCredits: () => void,
  ) {
    this.inbox = newInbox(nc);
    this.nextSubject = `${js.getOptions().apiPrefix ?? "$JS.API"}.CONSUMER.MSG.NEXT.${stream}.${consumer}`;
    this.sub = nc.subscribe(this.inbox, { callback: (err, msg) => this.receive(err, msg) });
    this.monitor = setInterval(() => this.checkLiveness(), IDLE_HEARTBEAT_MS);
    this.statuses = nc.status();
    void this.watchReconnects();
  }

  request(n: number): void {
    if (this.stopping || n <= 0 || Date.now() < this.pausedUntil || this.nc.isClosed()) return;
    this.credits += n;
    this.lastActivity = Date.now();
    const body = { batch: n, expires: nanos(DEFAULT_PULL_EXPIRES_MS), idle_heartbeat: nanos(IDLE_HEARTBEAT_MS) };
    this.nc.publish(this.nextSubject, JSON.stringify(body), { reply: this.inbox });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.monitor);
    stopStatuses(this.statuses);
    if (!this.nc.isClosed()) this.sub.unsubscribe();
  }

  private receive(err: Error | null, msg: Msg): void {
    if (err) {
      this.log.error({ err }, "pull subscription failed");
      return;
    }
    this.lastActivity = Date.now();
    if (msg.subject === this.inbox) {
      this.status(msg);
      return;
    }
    let pulled: PulledMsg;
    try {
      pulled = new PulledMsg(msg, this.nc);
    } catch (err) {
      this.warnOnce("foreign", { err, subject: msg.subject }, "ignoring a message that is not a JetStream delivery");
      return;
    }
    this.credits = Math.max(0, this.credits - 1);
    // After stop() the runner naks it, so it goes straight back to the stream.
    this.onMessage(pulled);
  }

  /** Server statuses on the inbox: heartbeats, expired requests and errors. */
  private status(msg: Msg): void {
    const code = msg.headers?.code ?? 0;
    if (code === 100) return;
    const left = Number(msg.headers?.get("Nats-Pending-Messages") ?? Number.NaN);
    // An expired or cut request returns its unfilled credits; without the count, start over.
    this.credits = Number.isFinite(left) ? Math.max(0, this.credits - left) : 0;
    if (code !== 404 && code !== 408) {
      const description = msg.headers?.description ?? "";
      this.warnOnce(`${code} ${description}`, { code, description }, "pull request ended by the server");
      this.pausedUntil = Date.now() + ERROR_PAUSE_MS;
      // The pause ends when the timer fires, not when the wall clock says so: timers run on the
      // monotonic clock and Date.now() can step back, and a request dropped here is not asked again.
      setTimeout(() => { this.pausedUntil = 0; this.onCredits(); }, ERROR_PAUSE_MS).unref();
      return;
    }
    this.onCredits();
  }

  /**
   * Requests die silently with a server restart; missing heartbeats mean none is left. With no
   * request out, the runner is asked again too: one lost trigger must not leave a consumer idle
   * for good (it asks only when it has room).
   */
  private checkLiveness(): void {
    if (this.credits > 0 && Date.now() - this.lastActivity > 2 * IDLE_HEARTBEAT_MS) {
      this.log.warn({ credits: this.credits }, "pull heartbeats missed; re-issuing pull requests");
      this.credits = 0;
      this.onCredits();
    } else if (this.credits === 0 && Date.now() >= this.pausedUntil) {
      this.onCredits();
    }
  }

  /** A deleted consumer answers every pull the same way: say so now and then, not every second. */
  private warnOnce(key: string, fields: object, text: string): void {
    const now = Date.now();
    if (now - (this.warned.get(key) ?? 0) < 60_000) return;
    this.warned.set(key, now);
    this.log.warn(fields, text);
  }

  private async watchReconnects(): Promise<void> {
    for await (const s of this.statuses) {
      if (this.stopping) break;
      if (s.type === "reconnect") {
        this.credits = 0;
        this.onCredits();
      }
    }
  }
}
