import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
/** Ignored by git (examples/python-evaluator/.gitignore); rebuilt when requirements.txt changes. */
const VENV = join(EXAMPLE_DIR, ".venv");

function run(cmd: string, args: string[], fix: string): string {
  const r = spawnSync(cmd, args, { cwd: EXAMPLE_DIR, encoding: "utf8", env: process.env });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}: ${`${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-8).join("\n")}`;
    throw new Error(`${cmd} ${args.join(" ")} failed (${why}).\nTo fix it: ${fix}`);
  }
  return r.stdout;
}

/**
 * A virtualenv with the example's requirements, made with the machine's python3 and pip (which
 * honour PIP_FIND_LINKS / PIP_INDEX_URL: a local wheel directory works without an index). A
 * missing interpreter, venv module or package fails with the command that fixes it; nothing is
 * skipped. Returns the venv's python.
 */
export function ensurePythonEnv(interpreter = process.env["PYTHON"] ?? "python3"): string {
  run(interpreter, ["-c", "import sys; assert sys.version_info >= (3, 9), sys.version"], "install Python 3.9 or newer: apt-get install -y python3 python3-venv (or set PYTHON=/path/to/python3)");
  const requirements = readFileSync(join(EXAMPLE_DIR, "requirements.txt"), "utf8");
  const stamp = join(VENV, "requirements.sha256");
  const want = createHash("sha256").update(requirements).digest("hex");
  const python = join(VENV, "bin", "python");
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8") === want) return python;
  rmSync(VENV, { recursive: true, force: true });
  run(interpreter, ["-m", "venv", VENV], "install the venv module: apt-get install -y python3-venv");
  run(python, ["-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
    `pip could not install ${requirements.trim().split("\n").join(", ")}: reach a package index, or point pip at a wheel directory (PIP_FIND_LINKS=/path/to/wheels PIP_NO_INDEX=1), then run: ${python} -m pip install -r examples/python-evaluator/requirements.txt`);
  run(python, ["-c", "import nats, jsonschema"], `${python} -m pip install -r examples/python-evaluator/requirements.txt`);
  writeFileSync(stamp, want);
  return python;
}
