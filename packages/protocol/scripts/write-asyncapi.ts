// Writes packages/contracts/asyncapi.json, the AsyncAPI 3.0 document of the message protocol,
// from contracts and the permission table. `--check` exits 1 when the committed file is stale.
// Run by `pnpm schemas` (after the JSON Schemas).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderAsyncApi } from "../src/document.js";

export const ASYNCAPI_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "contracts", "asyncapi.json");

const text = renderAsyncApi();
const current = existsSync(ASYNCAPI_PATH) ? readFileSync(ASYNCAPI_PATH, "utf8") : "";
if (process.argv.includes("--check")) {
  if (current !== text) {
    console.error(`stale: ${ASYNCAPI_PATH} (run pnpm schemas)`);
    process.exit(1);
  }
  console.log("asyncapi.json is up to date");
} else {
  if (current !== text) writeFileSync(ASYNCAPI_PATH, text);
  console.log(current === text ? "asyncapi.json is up to date" : `wrote ${ASYNCAPI_PATH}`);
}
