import { stat } from "node:fs/promises";
import { z } from "zod";
import { ERROR_CODES, ToolError } from "./errors.js";
import { displayPath, realRoot, resolveInside } from "./paths.js";
import { readInside, writeInside } from "./safe-open.js";
import { defineTool, type WorkspaceTool } from "./tool.js";

const EditInput = z.strictObject({
  path: z.string().describe("File to edit, relative to the workspace root."),
  old_text: z.string().min(1).describe("Exact text to replace, including whitespace and indentation. Must occur exactly once unless replace_all is set."),
  new_text: z.string().describe("Replacement text."),
  replace_all: z.boolean().optional().describe("Replace every occurrence instead of requiring exactly one."),
});

/** Exact-text replacement; refuses ambiguous edits so the model never changes the wrong spot. */
export function createEditTool(root: string): WorkspaceTool<z.infer<typeof EditInput>> {
  return defineTool(root, {
    name: "edit_file",
    description: "Replace an exact piece of text in a file. old_text must match the file exactly (copy it from read_file) and occur exactly once; add surrounding lines to make it unique.",
    input: EditInput,
    async run(input) {
      const file = resolveInside(root, input.path);
      const info = await stat(file).catch(() => undefined);
      if (!info) throw new ToolError(`'${input.path}' does not exist; create it with write_file`, ERROR_CODES.notFound);
      if (info.isDirectory()) throw new ToolError(`'${input.path}' is a directory`);
      const text = readInside(root, file).toString("utf8");
      const at = occurrences(text, input.old_text);
      if (at.length === 0) throw new ToolError(noMatchMessage(input.path, text, input.old_text), ERROR_CODES.editNoMatch);
      if (at.length > 1 && input.replace_all !== true) {
        const lines = at.slice(0, 10).map((i) => lineOf(text, i)).join(", ");
        throw new ToolError(
          `old_text matches ${at.length} times in '${input.path}' (at lines ${lines}${at.length > 10 ? ", ..." : ""}); include more surrounding text so it matches exactly once, or set replace_all`,
          ERROR_CODES.editAmbiguous,
        );
      }
      const updated = text.split(input.old_text).join(input.new_text);
      writeInside(root, file, updated);
      const where = at.length === 1 ? `at line ${lineOf(text, at[0] as number)}` : `${at.length} occurrences`;
      return `edited ${displayPath(realRoot(root), file)}: replaced ${where}`;
    },
  });
}

/** Start offsets of non-overlapping matches, the same ones split/join replaces. */
function occurrences(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function noMatchMessage(path: string, text: string, oldText: string): string {
  const base = `old_text was not found in '${path}' (0 matches)`;
  // The usual causes are whitespace drift and CRLF files; name them so the retry can succeed.
  if (text.includes("\r\n") && !oldText.includes("\r\n") && text.includes(oldText.replace(/\n/g, "\r\n"))) {
    return `${base}; the file uses CRLF line endings: use \\r\\n in old_text`;
  }
  const squash = (s: string) => s.replace(/\s+/g, " ").trim();
  if (squash(oldText) !== "" && squash(text).includes(squash(oldText))) {
    return `${base}; a match ignoring whitespace exists, so indentation or line breaks differ: read_file and copy the text exactly`;
  }
  return `${base}; read_file the current content and copy old_text exactly`;
}
