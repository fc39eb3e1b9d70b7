import type { Evidence } from "@harness/contracts";
import type { Page } from "playwright-core";

const MAX_KEPT = 50;

/** Browsers ask for /favicon.ico on their own; an app without one is not broken. */
function isFavicon(url: string): boolean {
  return /\/favicon\.ico(\?|$)/.test(url);
}

/**
 * Chromium's own line for a response of 4xx/5xx or a failed load ("Failed to load resource: the
 * server responded with a status of 400"). It is no error of the page: a correct app that is
 * refused a bad input (and shows the refusal) logs it too. The request itself is kept in
 * failedRequests; console errors are what the page's code logged or threw.
 */
export function isNetworkStatusMessage(text: string): boolean {
  return text.startsWith("Failed to load resource:");
}

/**
 * What the page did besides what the steps assert: console errors, uncaught exceptions and
 * failed requests. A button that "does nothing" often did something: it got a 404 or threw.
 */
export class PageWatch {
  readonly consoleErrors: string[] = [];
  readonly failedRequests: string[] = [];

  constructor(page: Page, private readonly baseUrl: string) {
    page.on("console", (m) => {
      if (m.type() !== "error" || isFavicon(m.location().url) || isNetworkStatusMessage(m.text())) return;
      const at = m.location().url ? ` (at ${this.short(m.location().url)})` : "";
      this.keep(this.consoleErrors, `${m.text()}${at}`);
    });
    page.on("pageerror", (e) => this.keep(this.consoleErrors, `uncaught: ${e.message}`));
    page.on("response", (r) => {
      if (r.status() >= 400 && !isFavicon(r.url())) this.keep(this.failedRequests, `${r.request().method()} ${this.short(r.url())} -> ${r.status()}`);
    });
    page.on("requestfailed", (r) => this.keep(this.failedRequests, `${r.method()} ${this.short(r.url())} failed: ${r.failure()?.errorText ?? "unknown error"}`));
  }

  evidence(): Evidence[] {
    const out: Evidence[] = [];
    if (this.consoleErrors.length > 0) out.push({ kind: "console", summary: `${this.consoleErrors.length} console error(s)`, detail: this.consoleErrors.join("\n") });
    if (this.failedRequests.length > 0) out.push({ kind: "http", summary: `${this.failedRequests.length} failed request(s) from the page`, detail: this.failedRequests.join("\n") });
    return out;
  }

  /** One line for the feedback, so the generator sees the likely cause next to the failing step. */
  hint(): string {
    const first = [this.failedRequests[0], this.consoleErrors[0]].filter((x): x is string => x !== undefined);
    return first.length > 0 ? ` Meanwhile the page saw: ${first.join("; ")}.` : "";
  }

  private keep(list: string[], line: string): void {
    if (list.length < MAX_KEPT) list.push(line.slice(0, 1_000));
  }

  private short(url: string): string {
    return url.startsWith(this.baseUrl) ? url.slice(this.baseUrl.length) || "/" : url;
  }
}
