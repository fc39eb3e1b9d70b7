/** A plain-text table for the chaos summary: one header row, aligned columns. */
export function table(rows: ReadonlyArray<Record<string, string | number>>): string {
  const first = rows[0];
  if (!first) return "(no rows)";
  const cols = Object.keys(first);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(width[i] ?? 0)).join(" | ");
  return [line(cols), width.map((w) => "-".repeat(w)).join("-+-"), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ""))))].join("\n");
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
