/** The calibration as the API returns it (GET /calibrations/:id), the fields the CLI prints. */
interface Counts { falsePass: number; falseFail: number; agreed: number; notJudged: number }
interface Finding { variant: string; criterion: string; repeat: number; feedback: string }
export interface CalibrationReport {
  totals: Counts;
  criteria: Array<Counts & { criterion: string }>;
  variants: Array<Counts & { variant: string; unjudged: number }>;
  falsePasses: Finding[];
  falseFails: Finding[];
  notJudged: Array<Finding & { why: string }>;
  flaky: Array<{ variant: string; criterion: string }>;
  unjudged: Array<{ variant: string; evaluator: string; repeat: number; status: string; reason: string }>;
  seconds: number;
  costUsd: number;
}
export interface CalibrationView {
  id: string; status: string; reason: string;
  options: { evaluators: string[]; repeat: number; rubric: string };
  items: Array<{ status: string }>;
  report: CalibrationReport;
}

const COLS = ["false pass", "false fail", "agreed", "not judged"] as const;

function table(title: string, rows: Array<[string, Counts, (string | undefined)?]>, out: (l: string) => void): void {
  const width = Math.max(title.length, ...rows.map(([n]) => n.length));
  out(`${title.padEnd(width)}  ${COLS.map((c) => c.padStart(10)).join("  ")}`);
  for (const [name, c, note] of rows) {
    out(`${name.padEnd(width)}  ${[c.falsePass, c.falseFail, c.agreed, c.notJudged].map((n) => String(n).padStart(10)).join("  ")}${note ? `  ${note}` : ""}`);
  }
}

const one = (s: string) => s.replace(/\s+/g, " ").slice(0, 160);

export function printCalibration(view: CalibrationView, out: (line: string) => void): void {
  const r = view.report;
  const flaky = new Set(r.flaky.map((f) => f.criterion));
  out("");
  table("criterion", r.criteria.map((c) => [c.criterion, c, flaky.has(c.criterion) ? "flaky" : undefined]), out);
  out("");
  table("variant", r.variants.map((v) => [v.variant, v, v.unjudged > 0 ? `${v.unjudged} not judged` : undefined]), out);
  out("");
  table("total", [["all", r.totals]], out);
  out("");
  out(`${view.items.length} evaluations (${view.options.evaluators.join(",")}, repeat ${view.options.repeat}) in ${r.seconds.toFixed(1)} s, $${r.costUsd.toFixed(4)}; calibration ${view.id} ${view.status}${view.reason ? `: ${view.reason}` : ""}`);
  // Only when it explains a non-zero "not judged" count: a corpus without rubric criteria has none.
  if (view.options.rubric === "not-judged" && r.totals.notJudged > 0) out("rubric criteria were graded by a scripted model: counted as not judged");
  for (const f of r.falsePasses) out(`false pass: ${f.variant}: ${f.criterion}${f.repeat > 1 ? ` (repeat ${f.repeat})` : ""}`);
  for (const f of r.falseFails) out(`false fail: ${f.variant}: ${f.criterion}${f.repeat > 1 ? ` (repeat ${f.repeat})` : ""}: ${one(f.feedback)}`);
  for (const f of r.notJudged) out(`not judged: ${f.variant}: ${f.criterion}: ${f.why}`);
  for (const f of r.flaky) out(`flaky: ${f.variant}: ${f.criterion} passed in some repeats and failed in others`);
  for (const u of r.unjudged) out(`no verdict: ${u.variant} (${u.evaluator}, repeat ${u.repeat}): ${u.status}: ${one(u.reason)}`);
}
