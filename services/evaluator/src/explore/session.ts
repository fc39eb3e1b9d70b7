import type { ArtifactRef } from "@harness/contracts";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "../checks/browser.js";
import type { FreshProducts, RunningProduct } from "./instance.js";
import type { ProductKnowledge } from "./knowledge.js";

const MAX_LOG = 200;

/**
 * The explorer's live product: one fresh start and one browser page kept across its tool calls,
 * both started on first use. Console messages and network traffic are logged for page_log.
 */
export class ExploreSession {
  #product: Promise<RunningProduct> | undefined;
  #browser: Browser | undefined;
  #context: BrowserContext | undefined;
  #page: Page | undefined;
  #log: string[] = [];
  #logRead = 0;
  readonly screenshots: Array<{ name: string; artifact: ArtifactRef }> = [];

  constructor(
    private readonly products: FreshProducts,
    private readonly chromium: string,
    private readonly putArtifact: (bytes: Uint8Array) => Promise<ArtifactRef>,
    /** Routes the product answered and text it showed: what a reproduction may lean on (guard.ts). */
    readonly knowledge: ProductKnowledge,
  ) {}

  async product(): Promise<RunningProduct> {
    return (this.#product ??= this.products.start());
  }

  async page(): Promise<Page> {
    if (this.#page) return this.#page;
    const product = await this.product();
    this.#browser ??= await launchBrowser(this.chromium);
    this.#context = await this.#browser.newContext();
    const page = await this.#context.newPage();
    const short = (url: string) => (url.startsWith(product.baseUrl) ? url.slice(product.baseUrl.length) || "/" : url);
    page.on("console", (m) => this.#keep(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => this.#keep(`uncaught: ${e.message}`));
    page.on("response", (r) => {
      this.#keep(`${r.request().method()} ${short(r.url())} -> ${r.status()}`);
      if (r.url().startsWith(product.baseUrl)) this.knowledge.served(r.request().method(), short(r.url()), r.status(), r.headers()["content-type"] ?? "");
    });
    page.on("requestfailed", (r) => this.#keep(`${r.method()} ${short(r.url())} failed: ${r.failure()?.errorText ?? "unknown error"}`));
    this.#page = page;
    return page;
  }

  /** Log lines since the last call. */
  readLog(): string[] {
    const lines = this.#log.slice(this.#logRead);
    this.#logRead = this.#log.length;
    return lines;
  }

  async screenshot(name: string): Promise<string> {
    const png = await (await this.page()).screenshot({ fullPage: true });
    this.screenshots.push({ name, artifact: await this.putArtifact(png) });
    return `saved screenshot "${name}" (${png.length} bytes); it is kept with this evaluation's evidence`;
  }

  async close(): Promise<void> {
    await this.#context?.close().catch(() => undefined);
    await this.#browser?.close().catch(() => undefined);
    const product = await this.#product?.catch(() => undefined);
    await product?.stop();
  }

  #keep(line: string): void {
    this.#log.push(line.slice(0, 500));
    // Keep the unread tail when the page is chatty.
    if (this.#log.length > MAX_LOG) {
      const drop = this.#log.length - MAX_LOG;
      this.#log = this.#log.slice(drop);
      this.#logRead = Math.max(0, this.#logRead - drop);
    }
  }
}
