import { cp, readFile, writeFile } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { SpecExcerpt, SprintContract } from "@harness/contracts";
import { z } from "zod";
import { CliError } from "./client.js";

/**
 * A labelled corpus on disk (format in corpora/README.md and docs/operations.md): per app a
 * correct build, the spec excerpt, a contract, and variants made by file overlays and exact
 * edits, each labelled with the criteria that must fail.
 */
const VariantFile = z.object({
  description: z.string(),
  edits: z.array(z.strictObject({ file: z.string(), find: z.string(), replace: z.string() })).default([]),
  expect: z.object({ passed: z.boolean(), failing: z.array(z.string()).default([]) }),
});

export interface CorpusVariant { app: string; name: string; dir: string; failing: string[]; contract?: SprintContract }
export interface CorpusApp { name: string; root: string; spec: SpecExcerpt; contract: SprintContract; variants: CorpusVariant[] }

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError(`${file}: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
}

function parsed<T>(schema: z.ZodType<T>, file: string): T {
  const r = schema.safeParse(readJson(file));
  if (!r.success) throw new CliError(`${file}: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`, 2);
  return r.data;
}

function loadApp(root: string): CorpusApp {
  const name = basename(root);
  const dir = join(root, "variants");
  if (!existsSync(dir)) throw new CliError(`${root}: no variants/ folder`, 2);
  const variants = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort().map((v): CorpusVariant => {
    const file = parsed(VariantFile, join(dir, v, "variant.json"));
    // A correct variant has an empty label; a defect without one would count every failure as false.
    if (!file.expect.passed && file.expect.failing.length === 0) throw new CliError(`${join(dir, v, "variant.json")}: expect.passed is false but expect.failing names no criterion`, 2);
    const own = join(dir, v, "contract.json");
    return { app: name, name: v, dir: join(dir, v), failing: file.expect.failing, ...(existsSync(own) ? { contract: parsed(SprintContract, own) } : {}) };
  });
  if (variants.length === 0) throw new CliError(`${dir}: no variants`, 2);
  return { name, root, spec: parsed(SpecExcerpt, join(root, "spec.json")), contract: parsed(SprintContract, join(root, "contract.json")), variants };
}

/** A corpus folder (one app: contract.json in it) or a folder of them (corpora/). */
export function loadCorpus(dir: string, only?: (v: CorpusVariant) => boolean): CorpusApp[] {
  if (!existsSync(dir)) throw new CliError(`${dir}: no such corpus folder`, 2);
  const roots = existsSync(join(dir, "contract.json"))
    ? [dir]
    : readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "contract.json"))).map((d) => join(dir, d.name)).sort();
  if (roots.length === 0) throw new CliError(`${dir}: no corpus here (a corpus has contract.json, spec.json, app/ and variants/)`, 2);
  return roots.map(loadApp).map((a) => ({ ...a, variants: only ? a.variants.filter(only) : a.variants })).filter((a) => a.variants.length > 0);
}

/** Writes the variant's app into `dir`: the correct app, its overlay files, then its edits. */
export async function buildVariant(app: CorpusApp, variant: CorpusVariant, dir: string): Promise<void> {
  await cp(join(app.root, "app"), dir, { recursive: true });
  const overlay = join(variant.dir, "app");
  if (existsSync(overlay)) await cp(overlay, dir, { recursive: true });
  const { edits } = parsed(VariantFile, join(variant.dir, "variant.json"));
  for (const edit of edits) {
    const file = join(dir, edit.file);
    const text = await readFile(file, "utf8");
    // An edit that no longer applies would silently test the correct app.
    if (!text.includes(edit.find)) throw new CliError(`variant ${app.name}/${variant.name}: ${edit.file} does not contain ${JSON.stringify(edit.find)}`, 2);
    await writeFile(file, text.replace(edit.find, edit.replace));
  }
}
