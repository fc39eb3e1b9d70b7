import {
  CONSUMERS, CORE_ONLY_EVENTS, EVENT_PRODUCERS, EvaluatorName, STREAMS, SUBJECTS, dlqSubject, evaluateSubject, evaluatorConsumer,
  eventSubject, heartbeatSubject, inboxPrefix, mayProduce, type EventType,
} from "@harness/contracts";
import { z } from "zod";
import {
  accountInfo, kvRead, kvWrite, manageConsumers, objectRead, objectWrite, provisionStream, pullDurable, KV_STREAM, OBJ_STREAM,
} from "./jetstream.js";

export type HarnessRole = "supervisor" | "planner" | "generator" | "evaluator";

export interface SubjectRules { allow: string[]; deny: string[] }
export interface Permissions { publish: SubjectRules; subscribe: SubjectRules }

export interface NatsUser {
  user: string;
  role: HarnessRole;
  /** Set for evaluator users: "core" for the built-in one. */
  evaluator?: string;
  permissions: Permissions;
}

export const NatsConfigOptions = z.object({
  /** Custom evaluators; each gets its own user `evaluator-<name>`. "core" is the built-in `evaluator` user. */
  evaluators: z.array(EvaluatorName).default([])
    .refine((names) => !names.includes("core"), "\"core\" is the built-in evaluator; list custom evaluators only")
    .refine((names) => new Set(names).size === names.length, "evaluator names must be unique"),
});
export type NatsConfigOptions = z.input<typeof NatsConfigOptions>;

/**
 * The event subjects a sender may publish: every type EVENT_PRODUCERS gives its role, on any
 * run, with its own role (and evaluator name) as the subject's last tokens. A custom evaluator
 * sends no contract reviews.
 */
function eventsOf(role: HarnessRole, evaluator?: string): string[] {
  const types = (Object.keys(EVENT_PRODUCERS) as EventType[])
    .filter((t) => mayProduce(role, t) && !(evaluator !== undefined && evaluator !== "core" && CORE_ONLY_EVENTS.includes(t)));
  return types.map((t) => eventSubject("*", t, { role, evaluator }));
}

/**
 * Work subjects a worker must never see. Deny rules on subscribe are also applied by the server
 * to messages it delivers into a wildcard subscription, so they hold even where the JetStream API
 * permissions are coarse.
 */
function workDenied(own: readonly string[], evaluators: readonly string[]): string[] {
  const all = [SUBJECTS.workPlan, SUBJECTS.workGenerateAll, SUBJECTS.workReview, ...evaluators.map(evaluateSubject)];
  return all.filter((s) => !own.includes(s));
}

/**
 * Replies come on the requester's own inbox prefix (inboxPrefix), the only one its user may
 * subscribe to: a shared `_INBOX.>` would let any role read every other role's replies (the
 * supervisor's run-state reads with the generator's notes, ledger reads, acks). Clients must
 * connect with `inboxPrefix: "_INBOX_<user>"` (the bus does; the test kit's `as(user)` gives it).
 */
function worker(user: string, publish: string[], ownWork: string[], evaluators: readonly string[]): Permissions {
  const deny = [...workDenied(ownWork, evaluators), SUBJECTS.eventsAll, SUBJECTS.dlqAll];
  return {
    publish: { allow: [...accountInfo, ...kvRead("ledger.>"), ...publish], deny: [] },
    // Workers read no events at all: the generator's notes travel in build.produced.
    subscribe: { allow: [`${inboxPrefix(user)}.>`], deny },
  };
}

function supervisor(): Permissions {
  const streams = [STREAMS.work, STREAMS.events, STREAMS.dlq, KV_STREAM, OBJ_STREAM];
  return {
    publish: {
      allow: [
        ...accountInfo,
        ...streams.flatMap(provisionStream),
        ...manageConsumers(STREAMS.work, { pull: false }),
        ...manageConsumers(STREAMS.events, { pull: true }),
        ...manageConsumers(STREAMS.dlq, { pull: true }),
        `$JS.ACK.${STREAMS.events}.${CONSUMERS.supervisor}.>`,
        `$JS.API.STREAM.MSG.GET.${STREAMS.dlq}`,
        `$JS.API.STREAM.MSG.DELETE.${STREAMS.dlq}`,
        // Object writes: snapshots uploaded through the API (a calibration's variants); no purge.
        ...kvRead(), ...kvWrite(), ...objectRead(), ...objectWrite(),
        SUBJECTS.workAll,
        // Its own event types only: redriving another role's dead-lettered event would be a forgery.
        ...eventsOf("supervisor"),
        dlqSubject(CONSUMERS.supervisor),
        heartbeatSubject("supervisor", "supervisor"),
      ],
      deny: [],
    },
    subscribe: { allow: [`${inboxPrefix("supervisor")}.>`, SUBJECTS.heartbeatAll], deny: [] },
  };
}

/** One user per role and per custom evaluator, each allowed only its own subjects. */
export function harnessUsers(input: NatsConfigOptions = {}): NatsUser[] {
  const opts = NatsConfigOptions.parse(input);
  const evaluators = ["core", ...opts.evaluators];
  const users: NatsUser[] = [
    { user: "supervisor", role: "supervisor", permissions: supervisor() },
    {
      user: "planner", role: "planner",
      permissions: worker("planner", [
        ...pullDurable(STREAMS.work, CONSUMERS.planner), ...eventsOf("planner"),
        dlqSubject(CONSUMERS.planner), heartbeatSubject("planner", "planner"),
      ], [SUBJECTS.workPlan], evaluators),
    },
    {
      user: "generator", role: "generator",
      permissions: worker("generator", [
        ...pullDurable(STREAMS.work, CONSUMERS.generator), ...objectRead(), ...objectWrite(),
        ...eventsOf("generator"),
        dlqSubject(CONSUMERS.generator), heartbeatSubject("generator", "generator"),
      ], [SUBJECTS.workGenerateAll], evaluators),
    },
  ];
  for (const name of evaluators) {
    const user = name === "core" ? "evaluator" : `evaluator-${name}`;
    // Only the built-in evaluator reviews contracts; custom ones evaluate and nothing else.
    const reviews = name === "core";
    const consumers = [evaluatorConsumer(name), ...(reviews ? [CONSUMERS.reviewer] : [])];
    users.push({
      user, role: "evaluator", evaluator: name,
      permissions: worker(user, [
        ...consumers.flatMap((c) => pullDurable(STREAMS.work, c)), ...objectRead(), ...objectWrite(),
        ...eventsOf("evaluator", name),
        ...consumers.map(dlqSubject), heartbeatSubject("evaluator", name),
      ], [evaluateSubject(name), ...(reviews ? [SUBJECTS.workReview] : [])], evaluators),
    });
  }
  // Sets overlap (the supervisor both reads and writes the bucket); the server wants each once.
  return users.map((u) => ({ ...u, permissions: {
    publish: { allow: [...new Set(u.permissions.publish.allow)], deny: [...new Set(u.permissions.publish.deny)] },
    subscribe: { allow: [...new Set(u.permissions.subscribe.allow)], deny: [...new Set(u.permissions.subscribe.deny)] },
  } }));
}
