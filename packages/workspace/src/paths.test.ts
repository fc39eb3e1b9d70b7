import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCommandTools } from "./command-tools.js";
import { ERROR_CODES, ToolError } from "./errors.js";
import { createFileTools } from "./file-tools.js";
import { resolveInside } from "./paths.js";
import { tool, useTempDirs } from "./test-support.js";

const temp = useTempDirs();

function setup(): { root: string; outside: string; files: ReturnType<typeof createFileTools> } {
  // The root sits in a folder of its own, so "../x" names a path no one else can have made.
  const root = join(temp.make("ws-parent-"), "root");
  mkdirSync(root);
  const outside = temp.make("ws-outside-");
  writeFileSync(join(outside, "secret.txt"), "top secret\n");
  return { root, outside, files: createFileTools(root) };
}

function escapeError(text: RegExp): object {
  return { name: "ToolError", code: ERROR_CODES.pathEscape, message: expect.stringMatching(text) };
}

describe("path confinement - every escape is refused with a reason", () => {
  it("refuses ../x in read_file, write_file, edit_file, list_files and search_files, naming '..'", async () => {
    const { root, files } = setup();
    const calls: [string, object][] = [
      ["read_file", { path: "../x" }],
      ["write_file", { path: "../x", content: "no" }],
      ["edit_file", { path: "a/../../x", old_text: "a", new_text: "b" }],
      ["list_files", { path: ".." }],
      ["search_files", { pattern: "x", path: "../" }],
    ];
    for (const [name, input] of calls) {
      await expect(tool(files, name).run(input)).rejects.toMatchObject(escapeError(/'\.\.' climbs out of the workspace/));
    }
    expect(existsSync(join(root, "..", "x"))).toBe(false);
  });

  it("refuses absolute paths such as /etc/passwd, saying paths must be relative", async () => {
    const { files } = setup();
    await expect(tool(files, "read_file").run({ path: "/etc/passwd" })).rejects.toMatchObject(escapeError(/absolute paths are not allowed/));
    await expect(tool(files, "write_file").run({ path: "/tmp/evil", content: "x" })).rejects.toBeInstanceOf(ToolError);
  });

  it("refuses reading and writing through a symlink that points outside, naming the link", async () => {
    const { root, outside, files } = setup();
    symlinkSync(outside, join(root, "out"));
    symlinkSync(join(outside, "secret.txt"), join(root, "secret-link"));
    await expect(tool(files, "read_file").run({ path: "out/secret.txt" })).rejects.toMatchObject(escapeError(/through the symlink 'out'/));
    await expect(tool(files, "read_file").run({ path: "secret-link" })).rejects.toMatchObject(escapeError(/symlink 'secret-link'/));
    await expect(tool(files, "write_file").run({ path: "out/new.txt", content: "x" })).rejects.toMatchObject(escapeError(/outside the workspace/));
    await expect(tool(files, "edit_file").run({ path: "secret-link", old_text: "top", new_text: "no" })).rejects.toBeInstanceOf(ToolError);
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("top secret\n");
  });

  it("refuses a symlink created by run_command, for reads, writes, listings and searches", async () => {
    const { root, outside, files } = setup();
    const run = tool(createCommandTools(root), "run_command");
    const out = await run.run({ command: `ln -s ${outside} escape && ln -s .. up && ln -s ${outside}/new-file.txt dangling && echo made` });
    expect(out).toContain("exit code 0");
    await expect(tool(files, "read_file").run({ path: "escape/secret.txt" })).rejects.toMatchObject(escapeError(/symlink 'escape'/));
    await expect(tool(files, "write_file").run({ path: "up/evil.txt", content: "x" })).rejects.toMatchObject(escapeError(/symlink 'up'/));
    // A dangling link would make writeFile create the file at its target outside.
    await expect(tool(files, "write_file").run({ path: "dangling", content: "x" })).rejects.toMatchObject(escapeError(/symlink 'dangling'/));
    await expect(tool(files, "list_files").run({ path: "escape" })).rejects.toBeInstanceOf(ToolError);
    await expect(tool(files, "search_files").run({ pattern: "secret", path: "escape" })).rejects.toBeInstanceOf(ToolError);
    expect(existsSync(join(outside, "new-file.txt"))).toBe(false);
    expect(existsSync(join(root, "..", "evil.txt"))).toBe(false);
  });

  it("refuses '..' after a symlink the way the kernel resolves it, not lexically", async () => {
    const { root, outside } = setup();
    mkdirSync(join(outside, "deep", "er"), { recursive: true });
    symlinkSync(join(outside, "deep", "er"), join(root, "link"));
    // Lexically `link/../secret.txt` is `secret.txt` inside; really it is outside/deep/secret.txt.
    expect(() => resolveInside(root, "link/../secret.txt")).toThrow(/resolves outside the workspace/);
  });

  it("refuses chains of links that end outside and symlink loops", () => {
    const { root, outside } = setup();
    symlinkSync("b", join(root, "a"));
    symlinkSync(outside, join(root, "b"));
    expect(() => resolveInside(root, "a/secret.txt")).toThrow(/resolves outside/);
    symlinkSync("loop2", join(root, "loop1"));
    symlinkSync("loop1", join(root, "loop2"));
    expect(() => resolveInside(root, "loop1/x")).toThrow(/too many levels of symbolic links/);
  });

  it("allows symlinks that stay inside the workspace and returns the real target", async () => {
    const { root, files } = setup();
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "a.txt"), "hello\n");
    symlinkSync("src", join(root, "alias"));
    expect(resolveInside(root, "alias/a.txt")).toBe(join(root, "src", "a.txt"));
    expect(resolveInside(root, "src/../src/./a.txt")).toBe(join(root, "src", "a.txt"));
    expect(resolveInside(root, "not/yet/there.txt")).toBe(join(root, "not", "yet", "there.txt"));
    expect(await tool(files, "read_file").run({ path: "alias/a.txt" })).toBe("hello\n");
  });
});
