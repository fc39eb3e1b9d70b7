import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { rememberSecrets, SECRET_ENV_KEYS } from "@harness/logger";

/**
 * Removes secrets from this process's environment after they have been read, including the
 * initial environment block that /proc/<pid>/environ shows: a build or check command runs as
 * the same user and could otherwise read the model key from its parent. Linux only; elsewhere
 * (or if /proc/self/mem is not writable) only process.env is cleaned.
 */
export function hideSecretsFromEnvironment(keys: readonly string[] = SECRET_ENV_KEYS): void {
  const present = keys.filter((k) => (process.env[k] ?? "").length > 0);
  if (present.length === 0) return;
  rememberSecrets(present.map((k) => process.env[k] ?? ""));
  try {
    overwriteInitialEnvironment(present);
  } catch { /* not Linux, or /proc/self/mem locked down: process.env is still cleaned */ }
  for (const k of present) delete process.env[k];
}

function overwriteInitialEnvironment(keys: string[]): void {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name start at field 3; env_start is field 50 (1-based).
  const envStart = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[47]);
  if (!Number.isSafeInteger(envStart) || envStart <= 0) return;
  const block = readFileSync("/proc/self/environ");
  const fd = openSync("/proc/self/mem", "r+");
  try {
    let offset = 0;
    while (offset < block.length) {
      let end = block.indexOf(0, offset);
      if (end < 0) end = block.length;
      const entry = block.subarray(offset, end).toString("latin1");
      const eq = entry.indexOf("=");
      if (eq > 0 && keys.includes(entry.slice(0, eq))) {
        const stars = Buffer.alloc(end - offset - eq - 1, "*");
        if (stars.length > 0) writeSync(fd, stars, 0, stars.length, envStart + offset + eq + 1);
      }
      offset = end + 1;
    }
  } finally {
    closeSync(fd);
  }
}
