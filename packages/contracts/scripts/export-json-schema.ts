// Writes one JSON Schema per message into packages/contracts/schemas/, for evaluators
// written in other languages. `--check` exits 1 when the committed files are stale.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderJsonSchemas } from "../src/json-schema.js";

const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");
const check = process.argv.includes("--check");
mkdirSync(outDir, { recursive: true });
let stale = 0;
for (const [file, text] of Object.entries(renderJsonSchemas())) {
  const path = join(outDir, file);
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (current === text) continue;
  stale++;
  if (check) console.error(`stale: ${file}`);
  else writeFileSync(path, text);
}
if (check && stale > 0) process.exit(1);
console.log(check ? "schemas are up to date" : `wrote ${stale} schema file(s) to ${outDir}`);
