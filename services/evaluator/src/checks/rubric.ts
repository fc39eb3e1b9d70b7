import type { CriterionResult, ModelChoice, ModelRole, RubricCheck, SprintContract } from "@harness/contracts";
import { structured, type BudgetGuard, type ModelClient, type UsageRecord } from "@harness/model";
import { readInside } from "@harness/workspace";
import { z } from "zod";

const Grades = z.object({
  grades: z.array(z.object({
    checkId: z.string(),
    score: z.number().min(0).max(10),
    evidence: z.array(z.string().min(1)).describe("Concrete evidence: file:line, output, response, screenshot"),
    problems: z.string().describe("What is broken, missing or shallow"),
  })),
  overall: z.string().describe("Your overall opinion; recorded, never used to pass"),
});

const MAX_FILE_BYTES = 8_000;
const MAX_TOTAL_BYTES = 60_000;
const SOURCE = /\.(ts|tsx|js|jsx|mjs|cjs|json|html|css|py|go|rs|md|sh|sql|yaml|yml)$/;

/** The judge reads the code itself: the sources, capped, most relevant first. */
async function sourceExcerpt(dir: string, files: string[]): Promise<string> {
  const parts: string[] = [];
  let total = 0;
  for (const f of files.filter((x) => SOURCE.test(x) && !x.includes("lock"))) {
    if (total >= MAX_TOTAL_BYTES) { parts.push(`(more files not shown: ${files.length} in all)`); break; }
    // The product may have planted links (or may still be swapping folders): never follow one.
    const text = safeText(dir, f).slice(0, MAX_FILE_BYTES);
    total += text.length;
    parts.push(`### ${f}\n\`\`\`\n${text}\n\`\`\``);
  }
  return parts.join("\n");
}

function safeText(dir: string, file: string): string {
  try {
    return readInside(dir, file, 4 * MAX_FILE_BYTES * 64).toString("utf8");
  } catch {
    return "";
  }
}

/** Failed checks carry their first piece of evidence (browser trace, response, output tail). */
function checkLine(r: CriterionResult): string {
  if (r.passed) return `- ${r.checkId} PASSED: ${r.description}`;
  const first = r.evidence.find((e) => e.kind !== "screenshot");
  const detail = first?.detail ? `\n  ${first.detail.slice(0, 1_500).replaceAll("\n", "\n  ")}` : "";
  return `- ${r.checkId} FAILED: ${r.feedback.slice(0, 2_000)}${detail}`;
}

export interface JudgeInput {
  dir: string;
  files: string[];
  contract: SprintContract;
  criteria: RubricCheck[];
  otherResults: CriterionResult[];
  system: string;
  model: ModelClient;
  budget?: BudgetGuard;
  onUsage?: (u: UsageRecord) => Promise<void>;
  models?: Partial<Record<ModelRole, ModelChoice>>;
  /** Screenshots taken by browser checks; the judge looks at the product, not only its code. */
  screenshots?: Array<{ name: string; png: Uint8Array }>;
}

/** Scores come from the judge; pass/fail per criterion is computed here from the threshold. */
export async function gradeRubric(input: JudgeInput): Promise<{ results: CriterionResult[]; opinion: string }> {
  const prompt = [
    `## Contract\n${JSON.stringify({ summary: input.contract.summary, deliverables: input.contract.deliverables }, null, 2)}`,
    `## Criteria to grade\n${input.criteria.map((c) => `- ${c.id}: ${c.criterion} (threshold ${c.threshold}/10). ${c.guidance}`).join("\n")}`,
    `## Results of the automated checks\n${input.otherResults.map(checkLine).join("\n") || "(none)"}`,
    `## Files\n${input.files.join("\n")}`,
    `## Sources\n${await sourceExcerpt(input.dir, input.files)}`,
  ].join("\n\n");
  const shots = (input.screenshots ?? []).slice(0, 4);
  const content = shots.length === 0 ? prompt : [
    { type: "text" as const, text: prompt },
    ...shots.flatMap((s) => [
      { type: "text" as const, text: `Screenshot "${s.name}":` },
      { type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: Buffer.from(s.png).toString("base64") } },
    ]),
  ];
  const grades = await structured(input.model, {
    role: "judge", system: input.system, prompt: content, schema: Grades, toolName: "submit_grades",
    toolDescription: "Submit a score with evidence for every criterion",
    check: (g) => input.criteria.filter((c) => !g.grades.some((x) => x.checkId === c.id)).map((c) => `no grade for ${c.id}`),
    ...(input.budget ? { budget: input.budget } : {}), ...(input.models ? { models: input.models } : {}), ...(input.onUsage ? { onUsage: input.onUsage } : {}),
  });
  const results = input.criteria.map((c): CriterionResult => {
    const g = grades.grades.find((x) => x.checkId === c.id);
    // A score the judge cannot back with evidence is worth nothing.
    const score = g && g.evidence.length > 0 ? g.score : 0;
    const passed = score >= c.threshold;
    return {
      checkId: c.id, kind: "rubric", description: `${c.criterion}: ${c.description}`, score, threshold: c.threshold, passed,
      evidence: (g?.evidence ?? ["no evidence given"]).map((e) => ({ kind: "note" as const, summary: e.slice(0, 4_000) })),
      feedback: passed ? (g?.problems || "meets the threshold") : `scored ${score}/10, threshold ${c.threshold}: ${g?.problems ?? "not graded"}`,
    };
  });
  return { results, opinion: grades.overall };
}
