import { readdir, readFile } from "node:fs/promises";
import { PromptLoadError } from "./errors.js";

const PROMPTS = new URL("../prompts/", import.meta.url);

export async function loadPrompt(name: string): Promise<string> {
  return readFile(new URL(`${name}.md`, PROMPTS), "utf8").catch((err: unknown) => { throw new PromptLoadError(name, { cause: err }); });
}

/** Graded examples in prompts/calibration/*.md, in file-name order (the README is for humans). */
export async function loadCalibration(): Promise<string[]> {
  const dir = new URL("calibration/", PROMPTS);
  const names = (await readdir(dir)).filter((n) => n.endsWith(".md") && n !== "README.md").sort();
  return Promise.all(names.map((n) => loadPrompt(`calibration/${n.slice(0, -3)}`)));
}

/** The judge's system prompt: its instructions, then the calibration examples it is held to. */
export async function loadJudgePrompt(): Promise<string> {
  const [judge, examples] = await Promise.all([loadPrompt("judge"), loadCalibration()]);
  if (examples.length === 0) return judge;
  return `${judge}\n\n# Calibration: graded examples\n\nGrade as these were graded.\n\n${examples.map((e) => e.trim()).join("\n\n")}\n`;
}
