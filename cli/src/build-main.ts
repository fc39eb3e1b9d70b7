/**
 * `pnpm build [service ...]`: writes services/<name>/dist/main.mjs (and its source map), what
 * images run. `harness up`, the tests and the benchmarks rebuild these on their own.
 */
import { bundlePath, bundleServices, SERVICES } from "./bundle.js";
import type { ServiceName } from "./paths.js";

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !(SERVICES as readonly string[]).includes(n));
if (unknown.length > 0) {
  console.error(`unknown service ${unknown.join(", ")}; have ${SERVICES.join(", ")}`);
  process.exit(2);
}
const names = (wanted.length > 0 ? wanted : SERVICES) as ServiceName[];
bundleServices(names).then(
  () => { for (const n of names) console.log(`built ${bundlePath(n)}`); },
  (err: unknown) => { console.error(err instanceof Error ? err.message : err); process.exit(1); },
);
