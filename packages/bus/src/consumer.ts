import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";
import { DEFAULT_BACKOFF_MS, DEFAULT_CONCURRENCY, DEFAULT_MAX_DELIVER } from "./defaults.js";
import { deliver, type DeliveryPolicy } from "./delivery.js";
import { ValidationError } from "./errors.js";
import { Prefetch } from "./prefetch.js";
import { InboxPullSource, type PullSource } from "./pull-source.js";
import { streamOfConsumer } from "./routing.js";
import type { BusConsumer, ConsumeOptions, Handler } from "./types.js";

/**
 * Pulls only what it can handle: free handler slots, plus a small prefetch while handlers are quick
 * (see prefetch.ts). A message never waits locally behind a slow handler.
 */
export class ConsumerRunner implements BusConsumer {
  readonly done: Promise<void>;
  private stopping = false;
  private inFlight = 0;
  /** Messages whose handlers are running: one timer sends all their progress acks. */
  private readonly active = new Set<JsMsg>();
  private heartbeatMs = 10_000;
  private readonly tasks = new Set<Promise<void>>();
  private markStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => { this.markStopped = resolve; });
  private policy: DeliveryPolicy | undefined;
  private source: PullSource | undefined;
  private prefetch: Prefetch | undefined;
  private readonly concurrency: number;
  private readonly log: Logger;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly name: string,
    private readonly schema: z.ZodType,
    private readonly handler: Handler<z.ZodType>,
    private readonly opts: ConsumeOptions,
    logger: Logger,
  ) {
    this.concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) throw new ValidationError(`concurrency must be a positive integer, got ${this.concurrency}`);
    const backoff = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
    if (backoff.length === 0 || backoff.some((d) => !(d >= 0))) throw new ValidationError("backoffMs needs at least one non-negative delay");
    this.log = logger.child({ consumer: name });
    this.done = this.run().catch((err: unknown) => { this.log.error({ err }, "consumer loop failed"); });
  }

  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.markStopped();
    }
    await this.done;
  }

  private async run(): Promise<void> {
    const stream = await this.bind();
    if (stream === undefined || !this.policy) return;
    const prefetch = new Prefetch(this.concurrency, this.heartbeatMs);
    const source = new InboxPullSource(this.nc, this.js, stream, this.name, this.log, (m) => this.received(m), () => this.pump());
    this.prefetch = prefetch;
    this.source = source;
    // Progress acks keep a long handler's message from being redelivered to another replica.
    const heartbeat = setInterval(() => { for (const m of this.active) m.working(); }, this.heartbeatMs);
    this.pump();
    await this.stopped;
    await source.stop();
    prefetch.release();
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    clearInterval(heartbeat);
  }

  /** Asks for more messages when slots (and, for quick handlers, the prefetch) have room. */
  private pump(): void {
    const { source, prefetch } = this;
    if (this.stopping || !source || !prefetch) return;
    const ahead = prefetch.allowance();
    const want = this.concurrency + ahead - this.inFlight - prefetch.size - source.credits;
    // Pulling ahead, top up in halves rather than one pull request per message; without
    // prefetch every free slot is asked for at once.
    const threshold = ahead > 0 ? Math.max(1, Math.floor((this.concurrency + ahead) / 2)) : 1;
    if (want >= threshold || (want > 0 && source.credits === 0)) source.request(want);
  }

  private received(m: JsMsg): void {
    if (this.stopping) {
      // Arrived after stop(): hand it straight back rather than let it wait out its ack timer.
      m.nak();
    } else if (this.inFlight < this.concurrency) {
      this.dispatch(m);
    } else {
      this.prefetch?.hold(m);
    }
  }

  private dispatch(m: JsMsg): void {
    const policy = this.policy;
    if (!policy) return;
    this.inFlight++;
    this.active.add(m);
    const started = performance.now();
    const settle = (): void => {
      this.inFlight--;
      this.active.delete(m);
      this.tasks.delete(task);
      this.prefetch?.finished(performance.now() - started);
      const next = this.stopping ? undefined : this.prefetch?.take();
      if (next) this.dispatch(next);
      this.pump();
    };
    const task = deliver(policy, m).then(settle, settle);
    this.tasks.add(task);
  }

  /** Waits for the durable to exist: services may boot before whoever provisions. */
  private async bind(): Promise<string | undefined> {
    const stream = this.opts.stream ?? streamOfConsumer(this.name);
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const consumer = await this.js.consumers.get(stream, this.name);
        const { config } = await consumer.info(true);
        const serverMax = config.max_deliver ?? -1;
        // provision() gives the server one spare delivery (see provision.ts); a durable made
        // elsewhere with no limit falls back to the default.
        const ceiling = serverMax > 1 ? serverMax - 1 : serverMax === 1 ? 1 : Number.POSITIVE_INFINITY;
        const maxDeliver = Math.min(this.opts.maxDeliver ?? (Number.isFinite(ceiling) ? ceiling : DEFAULT_MAX_DELIVER), ceiling);
        const ackWaitMs = (config.ack_wait ?? 30e9) / 1e6;
        this.policy = {
          js: this.js, consumer: this.name, schema: this.schema, handler: this.handler as DeliveryPolicy["handler"],
          maxDeliver, backoffMs: this.opts.backoffMs ?? DEFAULT_BACKOFF_MS, logger: this.log,
        };
        this.heartbeatMs = Math.max(50, Math.floor(ackWaitMs / 3));
        return stream;
      } catch (err) {
        if (attempt === 1 || attempt % 20 === 0) this.log.warn({ err, stream }, "durable consumer not available; retrying");
        await this.pause(Math.min(5_000, 200 * attempt));
      }
    }
    return undefined;
  }

  /** A wait that stop() cuts short, so stopping never sits out a retry delay. */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); }), this.stopped]);
    clearTimeout(timer);
  }
}
