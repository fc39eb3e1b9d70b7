import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errors } from "../errors.js";

// From the sources (src/routes) or from the service's bundle (dist/main.mjs).
const HERE = dirname(fileURLToPath(import.meta.url));
const DIR = [join(HERE, "..", "dashboard"), join(HERE, "..", "src", "dashboard")].find((d) => existsSync(join(d, "index.html"))) ?? join(HERE, "..", "dashboard");

/** The dashboard is a few static files: an allow-list, not a directory listing. */
const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "ui.js": "text/javascript; charset=utf-8",
  "router.js": "text/javascript; charset=utf-8",
  "run-view.js": "text/javascript; charset=utf-8",
  "acceptance.js": "text/javascript; charset=utf-8",
  "rejudgements.js": "text/javascript; charset=utf-8",
  "contract-review.js": "text/javascript; charset=utf-8",
  "timeline.js": "text/javascript; charset=utf-8",
  "live.js": "text/javascript; charset=utf-8",
  "artifacts.js": "text/javascript; charset=utf-8",
  "pages.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};

const CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export const dashboardRoutes: FastifyPluginAsyncZod = async (app) => {
  const cache = new Map<string, Buffer>();
  const serve = async (name: string) => {
    let body = cache.get(name);
    if (!body) { body = await readFile(join(DIR, name)); cache.set(name, body); }
    return body;
  };
  app.get("/", { schema: { hide: true } }, async (_req, reply) =>
    reply.header("content-type", FILES["index.html"]).header("content-security-policy", CSP).send(await serve("index.html")));
  app.get("/dashboard/:file", { schema: { hide: true, params: z.object({ file: z.string() }) } }, async (req, reply) => {
    const type = FILES[req.params.file];
    if (!type) throw new errors.RouteNotFound("GET", req.url);
    return reply.header("content-type", type).header("cache-control", "no-cache").send(await serve(req.params.file));
  });
};
