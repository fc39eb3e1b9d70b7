import { chownSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readInside, writeInside } from "./safe-open.js";

let top: string;
let ws: string;
let outside: string;

beforeEach(() => {
  top = mkdtempSync(join(tmpdir(), "safe-open-"));
  ws = join(top, "ws");
  outside = join(top, "outside");
  mkdirSync(ws);
  mkdirSync(outside);
  writeFileSync(join(outside, "secret"), "s3cret");
});
afterEach(() => rmSync(top, { recursive: true, force: true }));

describe("reads and writes of a workspace that untrusted code may be changing", () => {
  it("reads and writes ordinary files, making missing folders", () => {
    writeInside(ws, join(ws, "a/b/c.txt"), "hello");
    expect(readInside(ws, "a/b/c.txt").toString()).toBe("hello");
    writeInside(ws, "a/b/c.txt", "hi");
    expect(readFileSync(join(ws, "a/b/c.txt"), "utf8")).toBe("hi");
  });

  it("refuses a file that is a symlink to a secret outside", () => {
    symlinkSync(join(outside, "secret"), join(ws, "notes.md"));
    expect(() => readInside(ws, "notes.md")).toThrow(/symlink/);
  });

  it("refuses a path whose folder was swapped for a symlink after the path was checked", () => {
    // The caller checked ws/data/secret while data was a folder; then the product swapped it.
    symlinkSync(outside, join(ws, "data"));
    expect(() => readInside(ws, join(ws, "data/secret"))).toThrow(/symlink or not a folder/);
  });

  it("writes nothing outside through a swapped folder", () => {
    symlinkSync(outside, join(ws, "src"));
    expect(() => writeInside(ws, join(ws, "src/new.txt"), "x")).toThrow(/symlink or not a folder/);
    expect(() => writeInside(ws, join(ws, "src/secret"), "overwritten")).toThrow();
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("s3cret");
  });

  it.runIf(process.getuid?.() === 0)("refuses a hard link to a file the workspace's owner does not own, and leaves it whole", () => {
    chownSync(join(outside, "secret"), 4242, 4242);
    linkSync(join(outside, "secret"), join(ws, "linked"));
    expect(() => readInside(ws, "linked")).toThrow(/hard link/);
    expect(() => writeInside(ws, "linked", "")).toThrow(/hard link/);
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("s3cret");
  });
});
