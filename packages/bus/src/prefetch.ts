import type { JsMsg } from "@nats-io/jetstream";

/** Handlers faster than this (moving average) let the consumer pull ahead of its free slots. */
const FAST_HANDLER_MS = 50;
/** Pull ahead by about this much work per slot: enough to cover a pull round trip. */
const AHEAD_MS = 2;
const MAX_AHEAD_PER_SLOT = 32;
/** A prefetched message waiting longer than this goes back to the stream for other replicas. */
const MAX_HOLD_MS = 500;
const EWMA_WEIGHT = 0.2;

interface Held { m: JsMsg; since: number; touched: number }

/**
 * Holds messages pulled ahead of free handler slots. Pulling ahead hides the round trip between
 * an ack and the next delivery, which dominates quick handlers; with slow handlers it would park
 * work on a busy replica, so it is allowed only while handlers are fast, held messages get
 * progress acks, and any message held too long is nak'ed back to the stream.
 */
export class Prefetch {
  private readonly held: Held[] = [];
  private avgMs = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly heartbeatMs: number,
  ) {}

  get size(): number {
    return this.held.length;
  }

  /** How many messages may wait locally beyond the in-flight ones. */
  allowance(): number {
    if (!(this.avgMs < FAST_HANDLER_MS)) return 0;
    return this.concurrency * Math.min(MAX_AHEAD_PER_SLOT, Math.max(1, Math.ceil(AHEAD_MS / this.avgMs)));
  }

  finished(ms: number): void {
    this.avgMs = Number.isFinite(this.avgMs) ? this.avgMs + EWMA_WEIGHT * (ms - this.avgMs) : ms;
  }

  hold(m: JsMsg): void {
    const now = performance.now();
    this.held.push({ m, since: now, touched: now });
    // Started once and kept: busy consumers hold and take on every message.
    this.timer ??= setInterval(() => this.tick(), Math.min(this.heartbeatMs, MAX_HOLD_MS / 2));
  }

  take(): JsMsg | undefined {
    return this.held.shift()?.m;
  }

  /** Returns every held message to the stream (stop, or a handler turned slow). */
  release(): void {
    for (const h of this.held.splice(0)) h.m.nak();
    this.stopTimer();
  }

  private tick(): void {
    if (this.held.length === 0) return;
    const now = performance.now();
    if (this.held.some((h) => now - h.since > MAX_HOLD_MS)) {
      this.avgMs = Number.POSITIVE_INFINITY;
      this.release();
      return;
    }
    for (const h of this.held) {
      if (now - h.touched >= this.heartbeatMs) {
        h.m.working();
        h.touched = now;
      }
    }
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
