import { SCHEMA_VERSION, WORK_FAILED_CODES, inboxPrefix } from "@harness/contracts";
import { HEARTBEAT_INTERVAL_MS, WORK_PROGRESS_EVERY_MS } from "@harness/runtime";
import { channelAccess, protocolUsers, SAMPLE_EVALUATOR, userLabel, type Access } from "./access.js";
import { protocolChannels, type ChannelDef } from "./channels.js";
import { CONSUMER_SETTINGS, DUPLICATE_WINDOW_MS, PROTOCOL_STREAMS, STORES, durables } from "./jetstream.js";
import { componentMessages, componentSchemas, messageKey } from "./messages.js";

const PARAMS: Record<string, string> = {
  runId: "The run's id (letters, digits, '_' or '-').",
  evaluator: "An evaluator's name: `core` (built in) or a custom evaluator's (lowercase letters, digits, '-').",
  role: "The sender's role: supervisor, planner, generator or evaluator.",
  name: "The role again, or for an evaluator its name (`core` for the built-in one).",
  consumer: "The durable that filed the dead letter: planner, generator, evaluator-review, supervisor or evaluator-<name>.",
};

/** What is not a channel but every client needs: streams, durables, stores, timings. */
function harnessExtension(): Record<string, unknown> {
  return {
    streams: PROTOCOL_STREAMS.map((s) => ({ ...s, duplicateWindowMs: DUPLICATE_WINDOW_MS })),
    consumers: durables([SAMPLE_EVALUATOR]).map((d) => ({ ...d, durable: userLabel(d.durable), filter: userLabel(d.filter), user: userLabel(d.user) })),
    consumerSettings: CONSUMER_SETTINGS,
    stores: {
      runs: { ...STORES.runs, note: "Workers may read only their run's ledger key (a direct get): its status, budget and spend." },
      artifacts: {
        ...STORES.artifacts,
        note: "Object store: an artifact's object name is `sha256-<hex digest of its bytes>` (ArtifactRef.name); the bytes are a gzip-compressed "
          + "tar of the workspace. Verify the bytes against the name before using them: anyone with write access to the store could replace an object.",
      },
    },
    // Any other code of a work.failed the run waits for fails the run.
    workFailedPausing: Object.values(WORK_FAILED_CODES),
    timing: {
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      heartbeatLivenessMs: 15_000,
      workProgressEveryMs: WORK_PROGRESS_EVERY_MS,
      supervisorStallMs: 15 * 60_000,
    },
    // Replies (JetStream API, pulls, acks' answers) come only on the user's own inbox prefix.
    users: protocolUsers().map((u) => ({
      user: userLabel(u.user), role: u.role, inboxPrefix: userLabel(inboxPrefix(u.user)),
      ...(u.evaluator ? { evaluator: u.evaluator === SAMPLE_EVALUATOR ? "{name}" : u.evaluator } : {}),
    })),
  };
}

function channelObject(c: ChannelDef): Record<string, unknown> {
  const params = [...c.address.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
  return {
    address: c.address,
    title: c.title,
    description: c.description,
    messages: Object.fromEntries(c.messages.map((m) => [messageKey(m), { $ref: `#/components/messages/${messageKey(m)}` }])),
    ...(params.length > 0 ? { parameters: Object.fromEntries(params.map((p) => [p, { description: PARAMS[p] ?? p }])) } : {}),
    ...(c.stream ? { "x-harness-stream": c.stream } : {}),
  };
}

const operationId = (a: Access): string => `${a.user.replace("{name}", "custom")}-${a.action}-${a.channel}`;

function operationObject(a: Access, c: ChannelDef): Record<string, unknown> {
  const verb = a.action === "send" ? "publishes on" : "consumes";
  return {
    action: a.action,
    channel: { $ref: `#/channels/${c.id}` },
    title: `${a.user} ${verb} ${c.title}`,
    summary: `NATS user \`${a.user}\` (role ${a.role}) ${verb} ${a.subjects.map((s) => `\`${s}\``).join(", ")}.`,
    messages: c.messages.map((m) => ({ $ref: `#/channels/${c.id}/messages/${messageKey(m)}` })),
    "x-harness-user": a.user,
    "x-harness-subjects": a.subjects,
  };
}

/** The AsyncAPI 3.0 document of the whole protocol. */
export function asyncApiDocument(): Record<string, unknown> {
  const channels = protocolChannels();
  const access = channelAccess(channels);
  const byId = new Map(channels.map((c) => [c.id, c]));
  return {
    asyncapi: "3.0.0",
    id: "urn:harness:protocol",
    info: {
      title: "harness message protocol",
      version: `${SCHEMA_VERSION}.0.0`,
      description: "Every message the harness services exchange over NATS JetStream, and who may send or receive each. "
        + "Generated from packages/contracts (schemas, subject names) and packages/nats-config (the permission table) by `pnpm schemas`; "
        + "do not edit. A service in any language follows docs/evaluator-protocol.md, which walks through one evaluation on the wire.",
    },
    defaultContentType: "application/json",
    servers: {
      nats: {
        host: "127.0.0.1:4222",
        protocol: "nats",
        description: "NATS with JetStream. `harness up` picks a free port and prints the URL; compose and Kubernetes use nats:4222. Anonymous clients are refused.",
        security: [{ $ref: "#/components/securitySchemes/natsUser" }],
      },
    },
    channels: Object.fromEntries(channels.map((c) => [c.id, channelObject(c)])),
    operations: Object.fromEntries(access.map((a) => [operationId(a), operationObject(a, byId.get(a.channel)!)])),
    components: {
      schemas: componentSchemas(),
      messages: componentMessages(),
      securitySchemes: {
        natsUser: {
          type: "userPassword",
          description: "One NATS user per role and one per custom evaluator (`evaluator-<name>`), each allowed only the subjects its operations list. "
            + "Services read NATS_USER and NATS_PASSWORD_FILE (or NATS_PASSWORD).",
        },
      },
    },
    "x-harness": harnessExtension(),
  };
}

export function renderAsyncApi(): string {
  return `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
}
