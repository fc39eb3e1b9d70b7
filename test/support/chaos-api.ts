import { connectBus, type Bus } from "@harness/bus";
import type { z } from "zod";
import { createLogger } from "../../packages/logger/src/index.js";
import { buildApp } from "../../services/supervisor/src/app.js";
import { createMetrics } from "../../services/supervisor/src/metrics.js";
import { ServiceRegistry } from "../../services/supervisor/src/registry.js";

/* The supervisor's API in this process, for inject(): no fold consumer, no watchdog. */

export type App = Awaited<ReturnType<typeof buildApp>>;
export const API_TOKEN = "fuzz-token-0123456789abcdef";

export interface InProcessApi { app: App; bus: Bus; close(): Promise<void> }

export async function startApi(nats: { url: string; user?: string; pass?: string }, extra: Record<string, unknown> = {}): Promise<InProcessApi> {
  const logger = createLogger("fuzz", { level: "silent" });
  const bus = await connectBus({ ...nats, name: "fuzz-api", logger });
  await bus.provision({ evaluators: ["core"] });
  // Built from a loose object: buildApp's options grow while the supervisor is worked on, and
  // what this needs (bus, token, registry, metrics) has stayed the same.
  const opts = { bus, apiToken: API_TOKEN, registry: new ServiceRegistry(), metrics: createMetrics(), logger: false, ...extra };
  const app = await buildApp(opts as unknown as Parameters<typeof buildApp>[0]);
  return { app, bus, close: async () => { await app.close(); await bus.close(); } };
}

/** "options.budget.maxCostUsd", as the API's messages name a field (JSON pointer slashes become dots). */
export function fieldName(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join("/").replaceAll("/", ".");
}

/**
 * What a 400 must name for a schema failure: every issue's field, and for unknown keys the key.
 * An issue about the whole body names no field; the message then says which part (body, query...).
 */
export function namesEveryField(message: string, issues: readonly z.core.$ZodIssue[]): string[] {
  const missing: string[] = [];
  for (const issue of issues) {
    const field = fieldName(issue.path);
    if (field && !message.includes(field)) missing.push(field);
    if (issue.code === "unrecognized_keys") for (const k of issue.keys) if (!message.includes(k)) missing.push(k);
  }
  return missing;
}

/** JSON.parse as fastify does it: prototype-poisoning keys are refused, not parsed. */
export function poisoned(payload: string): boolean {
  return /"(__proto__|constructor)"\s*:/.test(payload);
}
