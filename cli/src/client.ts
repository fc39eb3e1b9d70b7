import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, code = "CLI_ERR") { super(message); this.name = "CliError"; this.exitCode = exitCode; this.code = code; }
}

export interface ApiTarget { url: string; token: string | undefined }

export const DATA_DIR = process.env["HARNESS_HOME"] ?? join(process.cwd(), ".harness");

/** HARNESS_API_URL/HARNESS_API_TOKEN, else what `harness up` wrote in .harness/. */
export function apiTarget(): ApiTarget {
  const envUrl = process.env["HARNESS_API_URL"];
  const fileToken = existsSync(join(DATA_DIR, "token")) ? readFileSync(join(DATA_DIR, "token"), "utf8").trim() : undefined;
  const token = process.env["HARNESS_API_TOKEN"] ?? fileToken;
  if (envUrl) return { url: envUrl.replace(/\/$/, ""), token };
  const stackFile = join(DATA_DIR, "stack.json");
  if (!existsSync(stackFile)) throw new CliError("no running harness found: start one with `pnpm harness up` (or set HARNESS_API_URL)", 2, "CLI_ERR_NO_STACK");
  const { apiUrl } = JSON.parse(readFileSync(stackFile, "utf8")) as { apiUrl: string };
  return { url: apiUrl, token };
}

export async function request<T>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers: { ...(target.token ? { authorization: `Bearer ${target.token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new CliError(`cannot reach the harness API at ${target.url}: is \`pnpm harness up\` running?`, 2, "CLI_ERR_UNREACHABLE");
  }
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  if (!res.ok) {
    const message = (parsed as { message?: string } | undefined)?.message ?? text;
    throw new CliError(`${method} ${path} failed (${res.status}): ${message}`, res.status === 404 ? 4 : res.status === 401 ? 3 : 1, "CLI_ERR_API");
  }
  return parsed as T;
}

export async function download(target: ApiTarget, path: string): Promise<Uint8Array> {
  const res = await fetch(`${target.url}${path}`, { headers: target.token ? { authorization: `Bearer ${target.token}` } : {} });
  if (!res.ok) throw new CliError(`GET ${path} failed (${res.status})`, 1, "CLI_ERR_API");
  return new Uint8Array(await res.arrayBuffer());
}
