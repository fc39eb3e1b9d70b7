import { stat } from "node:fs/promises";
import { z } from "zod";
import { ERROR_CODES, ToolError } from "./errors.js";
import { globMatcher } from "./glob.js";
import { displayPath, realRoot, resolveInside } from "./paths.js";
import { readInside } from "./safe-open.js";
import { defineTool, type WorkspaceTool } from "./tool.js";
import { walk } from "./walk.js";

export const DEFAULT_MAX_SEARCH_RESULTS = 200;
// Minified bundles and data files drown real matches and cost the model tokens.
const MAX_SEARCH_FILE_BYTES = 2 * 1024 * 1024;
const MAX_SHOWN_LINE_CHARS = 300;
const MAX_WALK_VISITS = 50_000;

const SearchInput = z.strictObject({
  pattern: z.string().min(1).describe("Text to find (or a JavaScript regular expression when regex is true)."),
  regex: z.boolean().optional().describe("Treat pattern as a regular expression."),
  case_insensitive: z.boolean().optional(),
  path: z.string().optional().describe("Directory or file to search, relative to the workspace root (default: the root)."),
  glob: z.string().optional().describe("Only files matching this glob, relative to `path`, e.g. `*.ts`."),
  max_results: z.number().int().positive().max(2000).optional().describe(`At most this many matching lines (default ${DEFAULT_MAX_SEARCH_RESULTS}).`),
});

/** Grep over the workspace, with the same ignore rules as list_files. */
export function createSearchTool(root: string): WorkspaceTool<z.infer<typeof SearchInput>> {
  return defineTool(root, {
    name: "search_files",
    description: "Search file contents in the workspace for text or a regex. Returns matching lines as `path:line: text`. Skips .git, node_modules, .gitignored and binary files.",
    input: SearchInput,
    async run(input) {
      const test = lineTester(input.pattern, input.regex === true, input.case_insensitive === true);
      const base = realRoot(root);
      const target = resolveInside(root, input.path ?? ".");
      const info = await stat(target).catch(() => undefined);
      if (!info) throw new ToolError(`'${input.path}' does not exist`, ERROR_CODES.notFound);
      const start = displayPath(base, target);
      const prefix = start === "." ? "" : `${start}/`;
      const matches = input.glob === undefined ? () => true : globMatcher(input.glob);
      const limit = input.max_results ?? DEFAULT_MAX_SEARCH_RESULTS;
      const out: string[] = [];
      let more = 0;
      const files = info.isDirectory() ? walk(base, start === "." ? "" : start, { maxVisited: MAX_WALK_VISITS }) : single(start, target);
      for await (const e of files) {
        if (e.kind !== "file" || !matches(e.path.startsWith(prefix) ? e.path.slice(prefix.length) : e.path)) continue;
        let buf: Buffer | undefined;
        try { buf = readInside(base, e.abs, MAX_SEARCH_FILE_BYTES); } catch { buf = undefined; }
        if (!buf || buf.length > MAX_SEARCH_FILE_BYTES || buf.subarray(0, 8000).includes(0)) continue;
        const lines = buf.toString("utf8").split("\n");
        for (let i = 0; i < lines.length; i++) {
          const line = (lines[i] as string).replace(/\r$/, "");
          if (!test(line)) continue;
          if (out.length >= limit) { more++; continue; }
          const shown = line.length > MAX_SHOWN_LINE_CHARS ? `${line.slice(0, MAX_SHOWN_LINE_CHARS)}[...]` : line;
          out.push(`${e.path}:${i + 1}: ${shown}`);
        }
      }
      if (out.length === 0) return `no matches for ${input.regex === true ? "regex" : "text"} '${input.pattern}'`;
      if (more > 0) out.push(`[... ${more} more matching lines not shown; narrow with path, glob or a more specific pattern]`);
      return out.join("\n");
    },
  });
}

function lineTester(pattern: string, regex: boolean, caseInsensitive: boolean): (line: string) => boolean {
  if (!regex) {
    const needle = caseInsensitive ? pattern.toLowerCase() : pattern;
    return caseInsensitive ? (l) => l.toLowerCase().includes(needle) : (l) => l.includes(needle);
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern, caseInsensitive ? "i" : "");
  } catch (err) {
    throw new ToolError(`invalid regex '${pattern}': ${(err as Error).message}`, ERROR_CODES.invalidInput);
  }
  return (l) => re.test(l);
}

async function* single(path: string, abs: string): AsyncGenerator<{ path: string; abs: string; kind: "file" }> {
  yield { path, abs, kind: "file" };
}
