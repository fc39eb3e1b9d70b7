import { Role } from "@harness/contracts";
import { harnessUsers, permits, subjectMatches, type NatsUser } from "@harness/nats-config";
import type { ChannelDef } from "./channels.js";
import { PROTOCOL_STREAMS, durables } from "./jetstream.js";

/**
 * Who may send and receive on each channel, read off the generated NATS permissions (the one
 * table in packages/nats-config), never written down a second time. A channel's parameters are
 * tried with sample values: a run id, the built-in evaluator and one custom evaluator, whose
 * name is shown as `{name}` in the document.
 */
export const SAMPLE_EVALUATOR = "zz-sample";
const SAMPLE_RUN = "r1";

export type Action = "send" | "receive";

export interface Access {
  user: string;
  role: NatsUser["role"];
  action: Action;
  channel: string;
  /** The subjects (sample values shown as `{runId}`, `{name}`) this user may use on the channel. */
  subjects: string[];
}

export function protocolUsers(): NatsUser[] {
  return harnessUsers({ evaluators: [SAMPLE_EVALUATOR] });
}

/** The user's name as the document shows it: `evaluator-{name}` for a custom evaluator. */
export function userLabel(user: string): string {
  return user.replace(SAMPLE_EVALUATOR, "{name}");
}

function candidates(param: string): string[] {
  switch (param) {
    case "runId": return [SAMPLE_RUN];
    case "evaluator": return ["core", SAMPLE_EVALUATOR];
    case "role": return Role.options.filter((r) => r !== "api");
    case "name": return [...Role.options.filter((r) => r !== "api"), "core", SAMPLE_EVALUATOR];
    case "consumer": return durables([SAMPLE_EVALUATOR]).map((d) => d.durable);
    default: throw new Error(`no sample values for channel parameter {${param}}`);
  }
}

/** Every concrete subject of an address, one per combination of sample parameter values. */
export function concreteSubjects(address: string): string[] {
  let subjects = [address];
  for (const [, param] of address.matchAll(/\{(\w+)\}/g)) {
    subjects = subjects.flatMap((s) => candidates(param ?? "").map((v) => s.replace(`{${param}}`, v)));
  }
  return subjects;
}

function shown(subject: string): string {
  return subject.split(".").map((t) => (t === SAMPLE_RUN ? "{runId}" : t.replace(SAMPLE_EVALUATOR, "{name}"))).join(".");
}

/**
 * Receiving from a stream takes a pull from a durable whose filter covers the subject, or (on a
 * limits stream, which any number of consumers may read) creating a consumer of one's own; the
 * server also withholds a delivery on a subject the user's subscribe rules deny. Core NATS
 * subjects are received by subscribing to them.
 */
export function mayUse(user: NatsUser, action: Action, channel: ChannelDef, subject: string): boolean {
  const p = user.permissions;
  if (action === "send") return permits(p, "publish", subject);
  if (channel.transport === "core") return permits(p, "subscribe", subject);
  const stream = PROTOCOL_STREAMS.find((s) => s.name === channel.stream);
  if (!stream) throw new Error(`channel ${channel.id} names no known stream`);
  if (p.subscribe.deny.some((d) => subjectMatches(d, subject))) return false;
  const pulls = durables([SAMPLE_EVALUATOR]).some((d) => d.stream === stream.name && subjectMatches(d.filter, subject)
    && permits(p, "publish", `$JS.API.CONSUMER.MSG.NEXT.${stream.name}.${d.durable}`));
  const reads = stream.retention === "limits" && permits(p, "publish", `$JS.API.CONSUMER.CREATE.${stream.name}.reader.${subject}`);
  return pulls || reads;
}

/** Every (user, action, channel) the permissions allow, with the subjects they allow it on. */
export function channelAccess(channels: readonly ChannelDef[], users: readonly NatsUser[] = protocolUsers()): Access[] {
  const out: Access[] = [];
  for (const channel of channels) {
    const subjects = concreteSubjects(channel.address);
    for (const user of users) {
      for (const action of ["send", "receive"] as const) {
        const allowed = subjects.filter((s) => mayUse(user, action, channel, s));
        if (allowed.length === 0) continue;
        // Allowed on every value of its parameters: the address says it best.
        const shownAs = allowed.length === subjects.length && subjects.length > 1 ? [channel.address] : [...new Set(allowed.map(shown))];
        out.push({ user: userLabel(user.user), role: user.role, action, channel: channel.id, subjects: shownAs });
      }
    }
  }
  return out;
}
