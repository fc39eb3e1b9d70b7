import { cp, readFile, writeFile } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EvaluationRequested, SpecExcerpt, SprintContract } from "@harness/contracts";
import { z } from "zod";

/**
 * The seeded-defect corpus (corpora/, format in corpora/README.md): per app a correct build
 * (`app/`), the spec excerpt it answers (`spec.json`), the strong contract every variant is
 * judged against (`contract.json`), and variants made from the app by exact edits and file
 * overlays, each labelled with the checks that must fail.
 */
export const CORPORA = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "corpora");

/** What a scripted explorer reports for the variant: a finding whose reproduction shows the defect. */
const ScriptedFinding = z.strictObject({
  title: z.string(),
  criterionIds: z.array(z.string()).min(1),
  reproduction: z.record(z.string(), z.unknown()),
});
export type ScriptedFinding = z.infer<typeof ScriptedFinding>;

const VariantFile = z.strictObject({
  description: z.string(),
  /** The finding a careful explorer would report (the weakest-contract test scripts it). */
  explore: ScriptedFinding.optional(),
  edits: z.array(z.strictObject({ file: z.string(), find: z.string(), replace: z.string() })),
  expect: z.strictObject({
    passed: z.boolean(),
    /** Exactly these checks fail (the label). */
    failing: z.array(z.string()).default([]),
    /** Text each named failing check's feedback or evidence must contain: what points at the defect. */
    evidence: z.record(z.string(), z.array(z.string())).default({}),
  }),
});
export type Variant = z.infer<typeof VariantFile> & { app: string; name: string };

export function corpusApps(): string[] {
  return readdirSync(CORPORA, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(CORPORA, d.name, "contract.json"))).map((d) => d.name).sort();
}

export function variantsOf(app: string): Variant[] {
  const dir = join(CORPORA, app, "variants");
  return readdirSync(dir).sort().map((name) => ({ app, name, ...VariantFile.parse(JSON.parse(readFileSync(join(dir, name, "variant.json"), "utf8"))) }));
}

export function contractOf(app: string): SprintContract {
  return SprintContract.parse(JSON.parse(readFileSync(join(CORPORA, app, "contract.json"), "utf8")));
}

export function specOf(app: string): SpecExcerpt {
  return SpecExcerpt.parse(JSON.parse(readFileSync(join(CORPORA, app, "spec.json"), "utf8")));
}

/** Writes the variant's app into `dir`: the correct app, its overlay files, then its edits. */
export async function buildVariant(variant: Variant, dir: string): Promise<void> {
  const root = join(CORPORA, variant.app);
  await cp(join(root, "app"), dir, { recursive: true });
  const overlay = join(root, "variants", variant.name, "app");
  if (existsSync(overlay)) await cp(overlay, dir, { recursive: true });
  for (const edit of variant.edits) {
    const file = join(dir, edit.file);
    const text = await readFile(file, "utf8");
    // An edit that no longer applies would silently test the correct app.
    if (!text.includes(edit.find)) throw new Error(`variant ${variant.app}/${variant.name}: ${edit.file} does not contain ${JSON.stringify(edit.find)}`);
    await writeFile(file, text.replace(edit.find, edit.replace));
  }
}

/** An evaluation work message as the supervisor sends it: spec excerpt, contract, artifact. */
export function corpusEvaluation(runId: string, app: string, contract: SprintContract, artifact: { name: string; digest: string; size: number }): EvaluationRequested {
  return EvaluationRequested.parse({
    id: `${runId}-eval`, schemaVersion: 1, type: "evaluation.requested", runId, sprint: contract.sprint, attempt: 1, causationId: null,
    producer: { role: "supervisor", instance: "test" }, time: new Date().toISOString(),
    payload: { specExcerpt: specOf(app), contract, artifact },
  });
}
