import type { Tool } from "@harness/model";
import type { Page } from "playwright-core";
import { z } from "zod";
import { fetchWithConnectRetry, readBody } from "../checks/http.js";
import { tail } from "../checks/output.js";
import { fetchOnProduct, onProduct, productUrl } from "../checks/product-url.js";
import { FindingReport, findingOf, reproductionProblems, type Finding } from "./guard.js";
import type { ExploreSession } from "./session.js";
import { ProductPath, type Feature } from "@harness/contracts";

const STEP_TIMEOUT_MS = 5_000;
const NAVIGATION_TIMEOUT_MS = 15_000;
const PAGE_TEXT_CHARS = 1_500;
const READ_CHARS = 8_000;

export interface ExploreToolsInput {
  session: ExploreSession;
  /** Every feature a finding may name a criterion of. */
  features: readonly Feature[];
  maxFindings: number;
  findings: Finding[];
}

const Selector = z.string().min(1).max(500).describe("A CSS or Playwright selector; the first match is used");
const Path = ProductPath.max(2_000).describe("Path on the product, e.g. / or /api/items");

/** What the page shows after an action: enough to decide the next step without a read call. */
async function pageState(page: Page, session: ExploreSession): Promise<string> {
  const text = await page.locator("body").innerText({ timeout: 1_000 }).catch(() => "(no body)");
  session.knowledge.shown(text);
  return `URL ${page.url()}\npage text:\n${tail(text, PAGE_TEXT_CHARS)}`;
}

function action<I>(name: string, description: string, input: z.ZodType<I>, act: (page: Page, i: I) => Promise<unknown>, session: ExploreSession): Tool<I> {
  return {
    name, description, input,
    async run(i) {
      const page = await session.page();
      await act(page, i);
      return `ok\n${await pageState(page, session)}`;
    },
  };
}

/** The explorer's tools: a browser page and HTTP on its own fresh start, and report_finding. */
export function exploreTools(t: ExploreToolsInput): Tool<never>[] {
  const s = t.session;
  const tools = [
    action("goto", "Open a path of the product in the browser page", z.object({ path: Path }), async (p, i) => {
      const base = (await s.product()).baseUrl;
      await p.goto(productUrl(base, i.path).toString(), { waitUntil: "load", timeout: NAVIGATION_TIMEOUT_MS });
      if (!onProduct(base, p.url())) throw new Error(`${i.path} led off the product to ${p.url()}`);
    }, s),
    action("click", "Click the first element matching the selector", z.object({ selector: Selector }), (p, i) => p.locator(i.selector).first().click({ timeout: STEP_TIMEOUT_MS }), s),
    action("fill", "Fill an input or textarea", z.object({ selector: Selector, value: z.string().max(10_000) }), (p, i) => p.locator(i.selector).first().fill(i.value, { timeout: STEP_TIMEOUT_MS }), s),
    action("press", "Press a key (Enter, Escape, ArrowDown...) in an element", z.object({ selector: Selector, key: z.string().min(1).max(50) }), (p, i) => p.locator(i.selector).first().press(i.key, { timeout: STEP_TIMEOUT_MS }), s),
    action("select_option", "Choose an option of a select element", z.object({ selector: Selector, value: z.string() }), (p, i) => p.locator(i.selector).first().selectOption(i.value, { timeout: STEP_TIMEOUT_MS }), s),
    action("reload", "Reload the page", z.object({}), (p) => p.reload({ waitUntil: "load", timeout: NAVIGATION_TIMEOUT_MS }), s),
    {
      name: "read_text", description: "The visible text of every element matching the selector (default: the whole page)",
      input: z.object({ selector: Selector.optional() }),
      async run(i: { selector?: string | undefined }) {
        const texts = await (await s.page()).locator(i.selector ?? "body").allInnerTexts();
        for (const x of texts) s.knowledge.shown(x);
        return texts.length === 0 ? `no element matches ${i.selector}` : tail(texts.map((x, n) => `[${n}] ${x}`).join("\n"), READ_CHARS);
      },
    },
    {
      name: "read_dom", description: "The HTML of the first element matching the selector (default: body)",
      input: z.object({ selector: Selector.optional() }),
      async run(i: { selector?: string | undefined }) {
        const loc = (await s.page()).locator(i.selector ?? "body").first();
        const html = await loc.evaluate((el) => el.outerHTML, undefined, { timeout: STEP_TIMEOUT_MS });
        s.knowledge.shown(html);
        return tail(html, READ_CHARS);
      },
    },
    {
      name: "page_log", description: "Console messages, uncaught errors and network requests of the page since the last page_log",
      input: z.object({}),
      async run() {
        await s.page();
        const lines = s.readLog();
        return lines.length === 0 ? "(nothing new)" : lines.join("\n");
      },
    },
    {
      name: "screenshot", description: "Take a full-page screenshot, kept as evidence",
      input: z.object({ name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
      run: (i: { name: string }) => s.screenshot(i.name),
    },
    {
      name: "http_request", description: "Send one HTTP request to the product (JSON body when given) and read the answer",
      input: z.object({
        method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"), path: Path,
        headers: z.record(z.string(), z.string()).default({}), body: z.unknown().optional(),
      }),
      async run(i: { method: string; path: string; headers: Record<string, string>; body?: unknown }) {
        const base = (await s.product()).baseUrl;
        const hasBody = i.body !== undefined && i.method !== "GET" && i.method !== "HEAD";
        const res = await fetchOnProduct(base, productUrl(base, i.path), {
          method: i.method, headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...i.headers },
          ...(hasBody ? { body: typeof i.body === "string" ? i.body : JSON.stringify(i.body) } : {}),
        }, fetchWithConnectRetry);
        const text = await readBody(res);
        s.knowledge.served(i.method, i.path, res.status, res.headers.get("content-type") ?? "");
        s.knowledge.shown(text);
        return `${i.method} ${i.path} -> ${res.status}\ncontent-type: ${res.headers.get("content-type") ?? "(none)"}\n\n${tail(text, READ_CHARS)}`;
      },
    },
    {
      name: "report_finding",
      description: "Report a defect as a reproduction code will replay on a fresh start of the product. Only a reproduction that fails there at its last assertion, twice, with every earlier step passing, counts.",
      input: FindingReport,
      async run(report: FindingReport) {
        if (t.findings.length >= t.maxFindings) throw new Error(`the limit of ${t.maxFindings} findings is reached: stop and summarise`);
        const finding = findingOf(`explore-${t.findings.length + 1}`, report);
        const problems = reproductionProblems(finding, t.features, s.knowledge);
        if (problems.length > 0) throw new Error(`not recorded: ${problems.join("; ")}`);
        t.findings.push(finding);
        return `recorded as ${finding.id}; it will be replayed on fresh starts of the product after you finish. Go on exploring, or stop with a short summary.`;
      },
    },
  ];
  return tools as Tool<never>[];
}
