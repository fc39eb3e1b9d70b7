// Rewrites the generated NATS configs committed under infra/ from the permission table:
//   pnpm nats-config
// test/infra.test.ts fails until they match what renderNatsConfig gives.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderNatsConfig } from "../src/render.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const confPath = join(ROOT, "infra/nats/nats.conf");
writeFileSync(confPath, renderNatsConfig({ server: {} }));

// values.yaml embeds auth.conf as a block scalar: replace its lines, keep the rest as written.
const valuesPath = join(ROOT, "infra/nats/values.yaml");
const lines = readFileSync(valuesPath, "utf8").split("\n");
const start = lines.findIndex((l) => /^\s+auth\.conf: \|$/.test(l));
if (start < 0) throw new Error("infra/nats/values.yaml: no `auth.conf: |` block");
const indent = " ".repeat((lines[start]?.search(/\S/) ?? 0) + 2);
let end = start + 1;
while (end < lines.length && (lines[end] === "" || lines[end]?.startsWith(indent))) end++;
const block = renderNatsConfig().replace(/\n$/, "").split("\n").map((l) => (l === "" ? "" : `${indent}${l}`));
writeFileSync(valuesPath, [...lines.slice(0, start + 1), ...block, ...lines.slice(end)].join("\n"));
console.log(`wrote ${confPath} and ${valuesPath}`);
