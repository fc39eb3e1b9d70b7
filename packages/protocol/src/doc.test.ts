import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WORK_FAILED_CODES } from "@harness/contracts";
import { subjectMatches } from "@harness/nats-config";
import { HEARTBEAT_INTERVAL_MS, WORK_PROGRESS_EVERY_MS } from "@harness/runtime";
import { describe, expect, it } from "vitest";
import { protocolChannels } from "./channels.js";
import { CONSUMER_SETTINGS } from "./jetstream.js";

const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "evaluator-protocol.md"), "utf8");

/** `<x>` and `{x}` placeholders stand for any one token. */
const wild = (subject: string): string => subject.split(".").map((t) => (/[<{]/.test(t) ? "*" : t)).join(".");

describe("docs/evaluator-protocol.md", () => {
  it("names only subjects the published protocol has a channel for", () => {
    const addresses = protocolChannels().map((c) => wild(c.address));
    const named = [...doc.matchAll(/`(harness\.[^`\s]+)`/g)].map((m) => m[1] ?? "");
    expect(named.length).toBeGreaterThan(8);
    // The form stored before senders were in subjects, named in the doc as what not to use.
    const legacy = ["harness.events.<runId>.verdict.produced"];
    const unknown = named.filter((s) => !legacy.includes(s) && !addresses.some((a) => subjectMatches(a, wild(s)) || subjectMatches(wild(s), a.replaceAll("*", "x"))));
    expect(unknown).toEqual([]);
  });

  it("states the consumer settings and timings the code uses", () => {
    expect(doc).toContain(`| ack wait | ${CONSUMER_SETTINGS.ackWaitMs / 1000} s`);
    expect(doc).toContain(`| max deliver | ${CONSUMER_SETTINGS.serverMaxDeliver} on the server | ${CONSUMER_SETTINGS.handlerAttempts} handling attempts`);
    expect(doc).toContain(`the same on delivery ${CONSUMER_SETTINGS.handlerAttempts} (the last handling attempt)`);
    expect(doc).toContain(`(the built-in services use ${CONSUMER_SETTINGS.backoffMs.map((ms) => ms / 1000).join(", ")} s by delivery count)`);
    expect(doc).toContain(`every ${HEARTBEAT_INTERVAL_MS / 1000} seconds`);
    expect(doc).toContain(`event every ${WORK_PROGRESS_EVERY_MS / 60_000} minutes`);
    for (const code of Object.values(WORK_FAILED_CODES)) expect(doc).toMatch(new RegExp(`\\b${code}\\b`));
  });
});
