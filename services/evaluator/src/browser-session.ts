import type { Browser } from "playwright-core";
import { launchBrowser } from "./checks/browser.js";
import { EvaluationInterruptedError } from "./errors.js";
import { throwIfStopping } from "./interrupt.js";

/**
 * The one browser an evaluation's checks share, launched on first use. It tells a check the
 * product failed from one the evaluator broke: when the browser itself goes away (crashed,
 * killed, or closed because the evaluator is stopping), the check's result is thrown away as an
 * interruption. A page that closes itself or a server that dies leaves the browser connected,
 * so those stay failures of the product.
 */
export class BrowserSession {
  private browser: Browser | undefined;
  private closing = false;
  private lost: string | undefined;

  constructor(private readonly chromium: string, private readonly signal: AbortSignal | undefined) {
    // Stopping cuts the check under way short at once rather than waiting out its steps.
    signal?.addEventListener("abort", () => { void this.close(); }, { once: true });
  }

  async run<T>(check: (browser: Browser) => Promise<T>): Promise<T> {
    throwIfStopping(this.signal);
    if (!this.browser) {
      const browser = await launchBrowser(this.chromium);
      browser.on("disconnected", () => { if (!this.closing) this.lost = "the browser closed during a check (crashed or killed)"; });
      this.browser = browser;
      if (this.signal?.aborted) await this.close();
    }
    const browser = this.browser;
    let outcome: T;
    try {
      outcome = await check(browser);
    } catch (err) {
      this.interrupted(browser, err);
      throw err;
    }
    this.interrupted(browser, undefined);
    return outcome;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.browser?.close().catch(() => undefined);
  }

  private interrupted(browser: Browser, cause: unknown): void {
    throwIfStopping(this.signal);
    // The check may see the connection drop before the "disconnected" event is delivered.
    if (this.lost === undefined && !this.closing && !browser.isConnected()) this.lost = "the browser closed during a check (crashed or killed)";
    if (this.lost !== undefined) throw new EvaluationInterruptedError(this.lost, { cause });
  }
}
