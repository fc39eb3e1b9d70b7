import { randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS = 52;

/**
 * Letters and digits only, starting with a letter: nats-server re-parses an environment
 * variable's value as a config token, so punctuation could end it early and an all-digit or
 * exponent-looking value would turn into a number.
 */
export const PASSWORD_PATTERN = /^[A-Za-z][A-Za-z0-9]{15,127}$/;

/** 32 characters (~190 bits), uniform over the alphabet by rejection sampling. */
export function generatePassword(length = 32): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      const limit = out.length === 0 ? LETTERS * 4 : ALPHABET.length * 4;
      if (b >= limit || out.length >= length) continue;
      out += ALPHABET[b % (out.length === 0 ? LETTERS : ALPHABET.length)];
    }
  }
  return out;
}

/** The environment variable nats-server reads a user's password from: `HARNESS_NATS_PASSWORD_EVALUATOR_X`. */
export function passwordVar(user: string): string {
  return `HARNESS_NATS_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** `KEY=value` lines; values here never need quoting (see PASSWORD_PATTERN). */
export function formatEnvFile(vars: Record<string, string>, header: string): string {
  const lines = header.split("\n").map((l) => `# ${l}`);
  for (const [k, v] of Object.entries(vars)) lines.push(`${k}=${v}`);
  return `${lines.join("\n")}\n`;
}

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}
