/**
 * Checks and the explorer address the product by a path; `new URL("//host:port/x", base)` and
 * `/\host` resolve to another host, so a contract (or the model exploring) could make the
 * evaluator hit any service it can reach and take that service's answer as the product's.
 * Every product URL is built here and refused when its origin is not the product's.
 */
export class OffProductUrlError extends Error {
  constructor(path: string, origin: string) {
    super(`${JSON.stringify(path)} does not address the product at ${origin}; a path must start with a single /`);
    this.name = "OffProductUrlError";
  }
}

/** The product URL of `path`, or an OffProductUrlError when it would leave the product's origin. */
export function productUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) throw new OffProductUrlError(path, base.origin);
  const url = new URL(path, base);
  if (url.origin !== base.origin) throw new OffProductUrlError(path, base.origin);
  return url;
}

/** True when `url` (a redirect target, a page's URL) is on the product's origin. */
export function onProduct(baseUrl: string, url: string): boolean {
  try { return new URL(url, baseUrl).origin === new URL(baseUrl).origin; } catch { return false; }
}

const MAX_REDIRECTS = 5;

/**
 * Follows redirects only while they stay on the product: a redirect to another origin is
 * refused (the product cannot make the evaluator fetch elsewhere), not answered as 3xx.
 */
export async function fetchOnProduct(baseUrl: string, url: URL, init: RequestInit, send: (u: URL, i: RequestInit) => Promise<Response>): Promise<Response> {
  let current = url;
  let req = init;
  for (let hop = 0; ; hop++) {
    const res = await send(current, { ...req, redirect: "manual" });
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || location === null) return res;
    const next = new URL(location, current);
    if (!onProduct(baseUrl, next.toString())) {
      await res.body?.cancel();
      throw new OffProductUrlError(location, new URL(baseUrl).origin);
    }
    if (hop >= MAX_REDIRECTS) return res;
    await res.body?.cancel();
    // 303, and 301/302 after a POST, turn into a GET without a body, as browsers and fetch do.
    const toGet = res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === "POST");
    if (toGet) { const { body: _b, ...rest } = req; req = { ...rest, method: "GET" }; }
    current = next;
  }
}
