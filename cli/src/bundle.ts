import { renameSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { build, stop } from "esbuild";
import { REPO_ROOT, type ServiceName } from "./paths.js";

/*
 * Services run as one bundled ES module each (services/<name>/dist/main.mjs), not through the
 * tsx loader: the loader's hooks thread and in-memory transpiling double a service's resident
 * memory (133 MB -> 67 MB for an idle planner) and cost CPU on every start. The bundle is
 * rebuilt from the sources on the first launch in each process (about a third of a second), so
 * it can never be stale; images build the same bundle at image build time.
 */

/**
 * Packages left to Node's resolver (each is a direct dependency of the service that uses it,
 * so it resolves from services/<name>/dist): they read their own files at run time.
 */
const EXTERNAL = ["playwright-core", "@fastify/swagger-ui"];

export const SERVICES: readonly ServiceName[] = ["planner", "generator", "evaluator", "supervisor"];

export function bundlePath(name: ServiceName): string {
  return join(REPO_ROOT, "services", name, "dist", "main.mjs");
}

/** Builds in flight in this process: esbuild's service process is stopped when the last ends. */
let building = 0;

/**
 * Bundles every service in one esbuild pass (they share most modules, so one pass costs little
 * more than one service). Files are replaced atomically: concurrent launches in other processes
 * never see half a bundle.
 */
export async function bundleServices(names: readonly ServiceName[] = SERVICES): Promise<void> {
  building++;
  const result = await build({
    entryPoints: names.map((n) => ({ in: join(REPO_ROOT, "services", n, "src", "main.ts"), out: join(n, "dist", "main") })),
    outdir: join(REPO_ROOT, "services"), outExtension: { ".js": ".mjs" },
    bundle: true, platform: "node", format: "esm", target: "node20",
    write: false, sourcemap: "linked", sourcesContent: false, logLevel: "silent",
    external: EXTERNAL,
    // CommonJS dependencies inside an ES module still call require() for Node built-ins.
    banner: { js: "import { createRequire as __harnessRequire } from 'node:module'; const require = __harnessRequire(import.meta.url);" },
    // esbuild's service process (hundreds of MB) would otherwise live as long as `harness up`;
    // it is shared, so only the last build in flight may stop it.
  }).finally(() => (--building === 0 ? stop() : undefined));
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  // Maps first: a reader that sees a new bundle must also see its map.
  for (const f of [...result.outputFiles].sort((a, b) => Number(b.path.endsWith(".map")) - Number(a.path.endsWith(".map")))) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(`${f.path}.${tag}.tmp`, f.contents);
    renameSync(`${f.path}.${tag}.tmp`, f.path);
  }
}

let built: Promise<void> | undefined;

/** The service's bundle, built (with the others) once per process. */
export async function ensureBundle(name: ServiceName): Promise<string> {
  if (!built) {
    built = bundleServices();
    // A failed build is retried on the next launch rather than remembered.
    built.catch(() => { built = undefined; });
  }
  await built;
  return bundlePath(name);
}
