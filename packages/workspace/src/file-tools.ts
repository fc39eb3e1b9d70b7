import { readlink, stat } from "node:fs/promises";
import { z } from "zod";
import { createEditTool } from "./edit-tool.js";
import { ERROR_CODES, ToolError } from "./errors.js";
import { globMatcher } from "./glob.js";
import { displayPath, realRoot, resolveInside } from "./paths.js";
import { readInside, writeInside } from "./safe-open.js";
import { createSearchTool } from "./search-tool.js";
import { defineTool, type WorkspaceTool } from "./tool.js";
import { walk } from "./walk.js";

export const DEFAULT_MAX_READ_BYTES = 100_000;
export const DEFAULT_MAX_LIST_ENTRIES = 500;
// Bigger files are logs or data; the model should slice them with run_command instead.
const MAX_LOADABLE_BYTES = 32 * 1024 * 1024;
const MAX_WALK_VISITS = 50_000;

export interface FileToolOptions { maxReadBytes?: number }

/** list_files, read_file, write_file, edit_file and search_files, all confined to `root`. */
export function createFileTools(root: string, opts: FileToolOptions = {}): WorkspaceTool[] {
  const maxReadBytes = opts.maxReadBytes ?? DEFAULT_MAX_READ_BYTES;
  return [listFilesTool(root), readFileTool(root, maxReadBytes), writeFileTool(root), createEditTool(root), createSearchTool(root)];
}

const ListInput = z.strictObject({
  path: z.string().optional().describe("Directory to list, relative to the workspace root (default: the root)."),
  glob: z.string().optional().describe("Only files matching this glob, relative to `path`, e.g. `*.ts` (any depth) or `src/**/*.test.ts`."),
  max_entries: z.number().int().positive().max(5000).optional().describe(`At most this many entries (default ${DEFAULT_MAX_LIST_ENTRIES}).`),
});

function listFilesTool(root: string): WorkspaceTool<z.infer<typeof ListInput>> {
  return defineTool(root, {
    name: "list_files",
    description: "List files under a directory of the workspace, recursively, one path per line. Skips .git, node_modules and anything .gitignore excludes.",
    input: ListInput,
    async run(input) {
      const base = realRoot(root);
      const dir = resolveInside(root, input.path ?? ".");
      const info = await stat(dir).catch(() => undefined);
      if (!info) throw new ToolError(`'${input.path ?? "."}' does not exist`, ERROR_CODES.notFound);
      if (!info.isDirectory()) return displayPath(base, dir);
      const start = displayPath(base, dir);
      const prefix = start === "." ? "" : `${start}/`;
      const matches = input.glob === undefined ? () => true : globMatcher(input.glob);
      const limit = input.max_entries ?? DEFAULT_MAX_LIST_ENTRIES;
      const lines: string[] = [];
      let more = 0;
      for await (const e of walk(base, start === "." ? "" : start, { maxVisited: MAX_WALK_VISITS })) {
        if (e.kind === "dir" || !matches(e.path.slice(prefix.length))) continue;
        if (lines.length >= limit) { more++; continue; }
        lines.push(e.kind === "symlink" ? `${e.path} -> ${await readlink(e.abs)}` : e.path);
      }
      if (lines.length === 0) return input.glob === undefined ? `no files under '${start}'` : `no files under '${start}' match '${input.glob}'`;
      if (more > 0) lines.push(`[... ${more} more entries not shown; narrow with path or glob]`);
      return lines.join("\n");
    },
  });
}

const ReadInput = z.strictObject({
  path: z.string().describe("File to read, relative to the workspace root."),
  start_line: z.number().int().positive().optional().describe("First line to return (1-based)."),
  end_line: z.number().int().positive().optional().describe("Last line to return (inclusive)."),
});

function readFileTool(root: string, maxReadBytes: number): WorkspaceTool<z.infer<typeof ReadInput>> {
  return defineTool(root, {
    name: "read_file",
    description: `Read a text file of the workspace, exactly as stored (no line numbers). Output over ${maxReadBytes} bytes is cut; use start_line/end_line to read a range.`,
    input: ReadInput,
    async run(input) {
      const file = resolveInside(root, input.path);
      const info = await stat(file).catch(() => undefined);
      if (!info) throw new ToolError(`'${input.path}' does not exist`, ERROR_CODES.notFound);
      if (info.isDirectory()) throw new ToolError(`'${input.path}' is a directory; use list_files`);
      if (info.size > MAX_LOADABLE_BYTES) {
        throw new ToolError(`'${input.path}' is ${info.size} bytes, too large for read_file; inspect it with run_command (head, tail, sed -n)`);
      }
      const buf = readInside(root, file, MAX_LOADABLE_BYTES);
      if (buf.subarray(0, 8000).includes(0)) return `[binary file, ${buf.length} bytes: not shown]`;
      if (buf.length === 0) return "[empty file]";
      const lines = buf.toString("utf8").split("\n");
      const total = buf[buf.length - 1] === 0x0a ? lines.length - 1 : lines.length;
      const ranged = input.start_line !== undefined || input.end_line !== undefined;
      const first = input.start_line ?? 1;
      const last = Math.min(input.end_line ?? total, total);
      if (first > total) throw new ToolError(`start_line ${first} is past the end of '${input.path}' (${total} lines)`);
      if (last < first) throw new ToolError(`end_line ${last} is before start_line ${first}`);
      const selected = lines.slice(first - 1, last);
      let text = selected.join("\n") + (last < lines.length ? "\n" : "");
      let note = "";
      if (Buffer.byteLength(text) > maxReadBytes) {
        const cut = Buffer.from(text).subarray(0, maxReadBytes).toString("utf8");
        const keep = cut.lastIndexOf("\n") > 0 ? cut.slice(0, cut.lastIndexOf("\n") + 1) : cut;
        const shownLast = Math.max(first, first + keep.split("\n").length - 2);
        text = keep;
        note = `[... truncated at ${maxReadBytes} bytes: showed lines ${first}-${shownLast} of ${total}; continue with start_line=${shownLast + 1}]`;
      }
      const header = ranged ? `[lines ${first}-${last} of ${total}]\n` : "";
      return `${header}${text}${note === "" ? "" : `${text.endsWith("\n") ? "" : "\n"}${note}`}`;
    },
  });
}

const WriteInput = z.strictObject({
  path: z.string().describe("File to create or replace, relative to the workspace root. Missing directories are created."),
  content: z.string().describe("The complete new content of the file."),
});

function writeFileTool(root: string): WorkspaceTool<z.infer<typeof WriteInput>> {
  return defineTool(root, {
    name: "write_file",
    description: "Create or overwrite a file of the workspace with the given content, creating parent directories.",
    input: WriteInput,
    async run(input) {
      const file = resolveInside(root, input.path);
      const info = await stat(file).catch(() => undefined);
      if (info?.isDirectory()) throw new ToolError(`'${input.path}' is a directory`);
      writeInside(root, file, input.content);
      const bytes = Buffer.byteLength(input.content);
      return `wrote ${bytes} bytes to ${displayPath(realRoot(root), file)} (${info ? "replaced" : "new file"})`;
    },
  });
}
