import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./errors.js";
import { createFileTools } from "./file-tools.js";
import { tool, useTempDirs } from "./test-support.js";

const temp = useTempDirs();

function workspace(opts: { maxReadBytes?: number } = {}) {
  const root = temp.make();
  const files = createFileTools(root, opts);
  return { root, call: (name: string, input: object) => tool(files, name).run(input) };
}

describe("file tools - write, read, edit", () => {
  it("write_file creates missing directories and read_file returns the exact content", async () => {
    const { root, call } = workspace();
    expect(await call("write_file", { path: "a/b/c.txt", content: "one\ntwo\n" })).toBe("wrote 8 bytes to a/b/c.txt (new file)");
    expect(readFileSync(join(root, "a/b/c.txt"), "utf8")).toBe("one\ntwo\n");
    expect(await call("read_file", { path: "a/b/c.txt" })).toBe("one\ntwo\n");
    expect(await call("write_file", { path: "a/b/c.txt", content: "x" })).toContain("(replaced)");
  });

  it("read_file returns a line range with a header saying which lines", async () => {
    const { call } = workspace();
    await call("write_file", { path: "f.txt", content: "l1\nl2\nl3\nl4\n" });
    expect(await call("read_file", { path: "f.txt", start_line: 2, end_line: 3 })).toBe("[lines 2-3 of 4]\nl2\nl3\n");
    await expect(call("read_file", { path: "f.txt", start_line: 9 })).rejects.toThrow(/past the end/);
  });

  it("read_file cuts output at maxReadBytes on a line boundary and says where to continue", async () => {
    const { call } = workspace({ maxReadBytes: 20 });
    await call("write_file", { path: "big.txt", content: Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n") });
    const out = await call("read_file", { path: "big.txt" });
    expect(out).toBe("line 1\nline 2\n[... truncated at 20 bytes: showed lines 1-2 of 10; continue with start_line=3]");
  });

  it("read_file reports missing files, directories and binary files as tool errors or notes", async () => {
    const { root, call } = workspace();
    mkdirSync(join(root, "dir"));
    writeFileSync(join(root, "bin"), Buffer.from([1, 0, 2, 3]));
    await expect(call("read_file", { path: "nope.txt" })).rejects.toMatchObject({ code: ERROR_CODES.notFound });
    await expect(call("read_file", { path: "dir" })).rejects.toThrow(/is a directory/);
    expect(await call("read_file", { path: "bin" })).toBe("[binary file, 4 bytes: not shown]");
  });

  it("edit_file replaces text that occurs exactly once and reports the line", async () => {
    const { root, call } = workspace();
    await call("write_file", { path: "x.ts", content: "const a = 1;\nconst b = 2;\n" });
    expect(await call("edit_file", { path: "x.ts", old_text: "const b = 2;", new_text: "const b = 3;" })).toBe("edited x.ts: replaced at line 2");
    expect(readFileSync(join(root, "x.ts"), "utf8")).toBe("const a = 1;\nconst b = 3;\n");
  });

  it("edit_file refuses old text that is missing, saying 0 matches, and leaves the file alone", async () => {
    const { root, call } = workspace();
    await call("write_file", { path: "x.ts", content: "function f() {\n  return 1;\n}\n" });
    await expect(call("edit_file", { path: "x.ts", old_text: "return 2;", new_text: "return 3;" }))
      .rejects.toMatchObject({ name: "ToolError", code: ERROR_CODES.editNoMatch, message: expect.stringMatching(/not found in 'x.ts' \(0 matches\)/) });
    await expect(call("edit_file", { path: "x.ts", old_text: "function f() {\nreturn 1;", new_text: "" }))
      .rejects.toThrow(/a match ignoring whitespace exists/);
    expect(readFileSync(join(root, "x.ts"), "utf8")).toBe("function f() {\n  return 1;\n}\n");
  });

  it("edit_file refuses old text that is not unique, saying how many matches and where", async () => {
    const { root, call } = workspace();
    await call("write_file", { path: "x.txt", content: "foo\nbar\nfoo\nfoo\n" });
    await expect(call("edit_file", { path: "x.txt", old_text: "foo", new_text: "baz" }))
      .rejects.toMatchObject({ code: ERROR_CODES.editAmbiguous, message: expect.stringMatching(/matches 3 times in 'x.txt' \(at lines 1, 3, 4\)/) });
    expect(readFileSync(join(root, "x.txt"), "utf8")).toBe("foo\nbar\nfoo\nfoo\n");
    expect(await call("edit_file", { path: "x.txt", old_text: "foo", new_text: "baz", replace_all: true })).toBe("edited x.txt: replaced 3 occurrences");
    expect(readFileSync(join(root, "x.txt"), "utf8")).toBe("baz\nbar\nbaz\nbaz\n");
  });

  it("tools reject input that does not match their schema as a tool error", async () => {
    const { call } = workspace();
    await expect(call("write_file", { path: "x" })).rejects.toMatchObject({ name: "ToolError", code: ERROR_CODES.invalidInput });
    await expect(call("edit_file", { path: "x", old_text: "", new_text: "y" })).rejects.toMatchObject({ code: ERROR_CODES.invalidInput });
  });
});

describe("file tools - list and search", () => {
  function tree(root: string): void {
    const files: Record<string, string> = {
      ".gitignore": "dist/\n*.log\n",
      "src/app.ts": "export const answer = 42;\n",
      "src/app.test.ts": "import { answer } from './app';\n// TODO check answer\n",
      "src/nested/.gitignore": "secret.txt\n",
      "src/nested/secret.txt": "ignored\n",
      "src/nested/keep.md": "TODO: docs\n",
      "dist/bundle.js": "answer\n",
      "debug.log": "answer\n",
      "node_modules/pkg/index.js": "answer\n",
      ".git/HEAD": "ref: refs/heads/main\n",
    };
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(join(root, p, ".."), { recursive: true });
      writeFileSync(join(root, p), c);
    }
  }

  it("list_files walks recursively, skipping .git, node_modules and .gitignored paths (nested too)", async () => {
    const { root, call } = workspace();
    tree(root);
    expect((await call("list_files", {})).split("\n")).toEqual([".gitignore", "src/app.test.ts", "src/app.ts", "src/nested/.gitignore", "src/nested/keep.md"]);
    expect(await call("list_files", { path: "src", glob: "*.ts" })).toBe("src/app.test.ts\nsrc/app.ts");
    expect(await call("list_files", { glob: "src/**/*.md" })).toBe("src/nested/keep.md");
    expect(await call("list_files", { path: "node_modules/pkg" })).toBe("node_modules/pkg/index.js");
  });

  it("list_files caps the number of entries and says how many were left out", async () => {
    const { root, call } = workspace();
    for (let i = 0; i < 30; i++) writeFileSync(join(root, `f${String(i).padStart(2, "0")}.txt`), "");
    const out = (await call("list_files", { max_entries: 10 })).split("\n");
    expect(out).toHaveLength(11);
    expect(out[10]).toBe("[... 20 more entries not shown; narrow with path or glob]");
  });

  it("search_files finds text and regex matches as path:line: text, honouring ignores", async () => {
    const { root, call } = workspace();
    tree(root);
    expect(await call("search_files", { pattern: "answer" })).toBe(
      "src/app.test.ts:1: import { answer } from './app';\nsrc/app.test.ts:2: // TODO check answer\nsrc/app.ts:1: export const answer = 42;",
    );
    expect(await call("search_files", { pattern: "^//\\s*todo", regex: true, case_insensitive: true })).toBe("src/app.test.ts:2: // TODO check answer");
    expect(await call("search_files", { pattern: "TODO", glob: "*.md" })).toBe("src/nested/keep.md:1: TODO: docs");
    expect(await call("search_files", { pattern: "nothing-like-this" })).toBe("no matches for text 'nothing-like-this'");
    await expect(call("search_files", { pattern: "(", regex: true })).rejects.toThrow(/invalid regex/);
  });

  it("search_files caps results and counts the rest", async () => {
    const { root, call } = workspace();
    writeFileSync(join(root, "many.txt"), "hit\n".repeat(50));
    const out = (await call("search_files", { pattern: "hit", max_results: 5 })).split("\n");
    expect(out).toHaveLength(6);
    expect(out[5]).toMatch(/^\[\.\.\. 45 more matching lines not shown/);
  });
});
