import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const help = (...args: string[]) => execFileSync(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8" });

describe("harness --help", () => {
  it("prints only calibrate's own options for calibrate --help, and the whole usage without a command", () => {
    const own = help("calibrate", "--help");
    expect(own.startsWith("harness calibrate <corpus-dir>")).toBe(true);
    expect(own).toContain("--max-false-pass N");
    expect(own).not.toContain("rejudge");
    expect(help("--help")).toContain("rejudge <run-id>");
  });
});
