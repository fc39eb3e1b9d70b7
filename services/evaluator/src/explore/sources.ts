import { lstat, readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";

/*
 * The product's own text files (its code, pages, data), read from the evaluation's copy: what a
 * reproduction's expected text may be taken from (knowledge.ts). Dependencies, hidden folders and
 * links are skipped; files and the total are bounded so a large product costs little.
 */
const TEXT = new Set([".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".html", ".htm", ".json", ".py", ".vue", ".svelte", ".txt", ".md", ".css"]);
const MAX_FILE_BYTES = 512 * 1024;
const MAX_TOTAL_BYTES = 4 * 1024 * 1024;
const MAX_FILES = 2_000;

export async function productTexts(dir: string): Promise<string[]> {
  const out: string[] = [];
  let total = 0;
  let seen = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (total >= MAX_TOTAL_BYTES || ++seen > MAX_FILES) return;
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const path = join(d, e.name);
      if (e.isDirectory()) { await walk(path); continue; }
      if (!e.isFile() || !TEXT.has(extname(e.name).toLowerCase())) continue;
      const st = await lstat(path).catch(() => undefined);
      if (!st?.isFile() || st.size > MAX_FILE_BYTES || total + st.size > MAX_TOTAL_BYTES) continue;
      total += st.size;
      out.push(await readFile(path, "utf8").catch(() => ""));
    }
  };
  await walk(dir);
  return out;
}
