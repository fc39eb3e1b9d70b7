import type { ArtifactRef, BrowserCheck, CriterionResult, Evidence, HttpCheck } from "@harness/contracts";
import type { Browser } from "playwright-core";
import { launchBrowser, runBrowserCheck } from "../checks/browser.js";
import { runHttpCheck } from "../checks/http.js";
import { tail } from "../checks/output.js";
import { FreshStartError } from "../errors.js";
import { throwIfStopping } from "../interrupt.js";
import { isNegative, type Finding } from "./guard.js";
import type { FreshProducts } from "./instance.js";

export interface ReplayDeps {
  products: FreshProducts;
  chromium: string;
  putArtifact: (bytes: Uint8Array) => Promise<ArtifactRef>;
  working?: () => void;
  signal?: AbortSignal;
}

/** The outcome of replaying one finding: a failed criterion when confirmed, else a note. */
export type Replayed =
  | { confirmed: true; result: CriterionResult }
  | { confirmed: false; finding: Finding; why: string; evidence: Evidence[] };

type ReproCheck = BrowserCheck | HttpCheck;

/** The reproduction without its final assertion (a browser step, or the last request of a sequence). */
export function prefixOf(check: ReproCheck): ReproCheck | undefined {
  if (check.kind === "browser") return check.steps.length > 1 ? { ...check, steps: check.steps.slice(0, -1) } : undefined;
  return check.then.length > 0 ? { ...check, then: check.then.slice(0, -1) } : undefined;
}

/**
 * The control of a browser reproduction whose final assertion is negative (text absent, hidden,
 * none counted, no console error): the same pages opened and reloaded, without any of its
 * interactions, then that assertion. A correct product, untouched, meets it; one that fails it
 * untouched too shows the assertion describes the page as it always is (a heading it "must not"
 * show), not the effect of the steps, and would fail on any product.
 */
export function controlOf(check: ReproCheck): ReproCheck | undefined {
  if (check.kind === "http") return httpControlOf(check);
  const last = check.steps.at(-1)!;
  if (!isNegative(last)) return undefined;
  return { ...check, steps: [...check.steps.slice(0, -1).filter((s) => s.action === "goto" || s.action === "reload" || s.action === "wait"), last] };
}

/**
 * The control of an http reproduction whose final request asserts an absence (body does not
 * contain or match): that request alone on a fresh start. One that fails there too describes what
 * the route always answers, not an effect of the earlier requests. None when the final request
 * uses a captured value: it cannot be sent alone, and the capture anchors it.
 */
function httpControlOf(check: HttpCheck): HttpCheck | undefined {
  const last = check.then.at(-1) ?? check;
  const negative = last.expectBodyNotContains.length > 0 || last.expectBody.some((a) => a.notContains !== undefined || a.notMatches !== undefined);
  if (!negative || JSON.stringify(last).includes("{{")) return undefined;
  const { capture: _capture, ...alone } = last as typeof last & { then?: unknown };
  return { ...check, ...alone, body: last.body, capture: {}, then: [] };
}

/**
 * Replays reproductions, each run on its own fresh start of the product (a new copy with no
 * data, a new browser context), and decides by code which findings count.
 */
export class Replayer {
  #browser: Browser | undefined;

  constructor(private readonly deps: ReplayDeps) {}

  /**
   * Confirmed only when the whole reproduction fails on two fresh starts and, on a third, every
   * step before its final assertion passes: it fails at that assertion, and nowhere earlier; a
   * negative final assertion must also hold on a fresh start without the interactions (controlOf).
   */
  async replay(f: Finding): Promise<Replayed> {
    try {
      return await this.#replay(f);
    } catch (err) {
      if (!(err instanceof FreshStartError)) throw err;
      return { confirmed: false, finding: f, why: `not confirmed: ${err.message}`, evidence: [] };
    }
  }

  async #replay(f: Finding): Promise<Replayed> {
    const first = await this.#run(f.check);
    if (first.passed) return this.#note(f, "did not reproduce: on a fresh start every step passed, the final assertion included", first);
    const prefix = prefixOf(f.check);
    if (prefix) {
      const before = await this.#run(prefix);
      if (!before.passed) return this.#note(f, "discarded: a step before the final assertion fails too, so the reproduction never reaches the assertion it is about (a wrong selector, path or setup fails on a correct product as well)", before);
    }
    const control = controlOf(f.check);
    if (control) {
      const untouched = await this.#run(control);
      if (!untouched.passed) return this.#note(f, "discarded: its final assertion fails without any of its interactions too (the pages only opened, or the last request sent alone on a fresh start), so it describes what the product always shows, not a defect the steps cause; a correct product could fail it the same way", untouched);
    }
    const second = await this.#run(f.check);
    if (second.passed) return this.#note(f, "not confirmed: failed on one fresh start and passed on another (flaky)", second);
    const evidence: Evidence[] = [
      { kind: "note", summary: `exploratory finding: ${f.title}`, detail: f.description },
      { kind: "note", summary: `reproduced on 2 fresh starts of the product${prefix ? "; every step before the final assertion passed on a third" : ""}${control ? "; the final assertion held on a fresh start without the interactions" : ""}`, detail: JSON.stringify(f.check, null, 2) },
      ...second.evidence,
    ];
    return {
      confirmed: true,
      result: {
        checkId: f.id, kind: "exploratory", description: f.title, score: 0, threshold: 10, passed: false, evidence,
        feedback: tail(`Exploratory QA found a defect (${f.criterionIds.join(", ")}): ${f.description}\nReplayed on fresh starts, it fails: ${second.feedback}`, 10_000),
        criterionIds: f.criterionIds, reproduction: f.check,
      },
    };
  }

  async close(): Promise<void> {
    await this.#browser?.close().catch(() => undefined);
  }

  #note(f: Finding, why: string, run: CriterionResult): Replayed {
    return { confirmed: false, finding: f, why, evidence: run.evidence };
  }

  /** One run on a fresh start (FreshStartError when there is none: that never confirms). */
  async #run(check: ReproCheck): Promise<CriterionResult> {
    // A replay cut short by the evaluator's own stop proves nothing either way.
    throwIfStopping(this.deps.signal);
    this.deps.working?.();
    const product = await this.deps.products.start();
    try {
      if (check.kind === "http") return await runHttpCheck(product.baseUrl, check);
      this.#browser ??= await launchBrowser(this.deps.chromium);
      const { result, screenshots } = await runBrowserCheck(this.#browser, product.baseUrl, check);
      throwIfStopping(this.deps.signal);
      for (const shot of screenshots) {
        if (shot.png.length > 0) result.evidence.push({ kind: "screenshot", summary: `${check.id}/${shot.name}`, artifact: await this.deps.putArtifact(shot.png) });
      }
      return result;
    } finally {
      await product.stop();
    }
  }
}
