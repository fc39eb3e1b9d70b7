import {
  CORE_ONLY_EVENTS, EVENT_PRODUCERS, STREAMS, SUBJECTS, dlqSubject, evaluateSubject, eventSubject, heartbeatSubject,
  type EventType, type WORK_ROLE,
} from "@harness/contracts";

/** One channel of the published protocol: an address with `{parameters}` and what travels on it. */
export interface ChannelDef {
  id: string;
  address: string;
  title: string;
  description: string;
  /** Message type tags (keys of MESSAGE_SCHEMAS), or "dead-letter". */
  messages: readonly string[];
  /** JetStream (stored, in `stream`) or core NATS (fire and forget). */
  transport: "jetstream" | "core";
  stream?: string;
}

type WorkType = keyof typeof WORK_ROLE;

/** The work queue subject of each work type; evaluation work names its evaluator. */
const WORK_ADDRESS = {
  "plan.requested": SUBJECTS.workPlan,
  "contract.requested": SUBJECTS.workContract,
  "build.requested": SUBJECTS.workBuild,
  "review.requested": SUBJECTS.workReview,
  "evaluation.requested": evaluateSubject("{evaluator}"),
} as const satisfies Record<WorkType, string>;

const WORK_TEXT: Record<WorkType, string> = {
  "plan.requested": "Planning work: a prompt (or a spec revision, a replan) for the planner.",
  "contract.requested": "A sprint contract to propose (or revise after a review) for the generator.",
  "build.requested": "A sprint to build against its agreed contract, for the generator.",
  "review.requested": "A proposed contract to review, for the built-in evaluator only.",
  "evaluation.requested": "A build to evaluate, one message per gating evaluator: `{evaluator}` is `core` or a custom evaluator's name. "
    + "The payload has the spec excerpt, the contract, the artifact reference and the regression checks; never the generator's notes.",
};

const idOf = (text: string): string => text.replaceAll(".", "-");

function workChannels(): ChannelDef[] {
  return (Object.keys(WORK_ADDRESS) as WorkType[]).map((type) => ({
    id: `work-${idOf(type)}`,
    address: WORK_ADDRESS[type],
    title: `work: ${type}`,
    description: `${WORK_TEXT[type]} Stored on ${STREAMS.work} (work-queue retention): each message is delivered to one puller of the durable for its subject and removed when acked.`,
    messages: [type],
    transport: "jetstream",
    stream: STREAMS.work,
  }));
}

/**
 * One channel per event type and sender role: the subject ends with the sender
 * (`.<role>`, or `.evaluator.<name>`), which the NATS permissions hold to the publisher's user.
 */
function eventChannels(): ChannelDef[] {
  const out: ChannelDef[] = [];
  for (const type of Object.keys(EVENT_PRODUCERS) as EventType[]) {
    for (const role of EVENT_PRODUCERS[type]) {
      const coreOnly = CORE_ONLY_EVENTS.includes(type);
      const sender = role === "evaluator" ? { role, evaluator: coreOnly ? "core" : "{evaluator}" } : { role };
      out.push({
        id: `event-${idOf(type)}-${role}`,
        address: eventSubject("{runId}", type, sender),
        title: `event: ${type} from the ${role}`,
        description: `A ${type} event of run \`{runId}\` sent by the ${role === "evaluator" ? (coreOnly ? "built-in evaluator" : "evaluator named `{evaluator}`") : role}. `
          + `Stored on ${STREAMS.events} (limits retention): the run's replayable history, folded by the supervisor. `
          + "The envelope's fields must give this very subject (run id, type, sender): an envelope on another subject is dead-lettered.",
        messages: [type],
        transport: "jetstream",
        stream: STREAMS.events,
      });
    }
  }
  return out;
}

export function protocolChannels(): ChannelDef[] {
  return [
    ...workChannels(),
    ...eventChannels(),
    {
      id: "heartbeat",
      address: heartbeatSubject("{role}", "{name}"),
      title: "service heartbeats",
      description: "Every replica and custom evaluator announces itself on core NATS (not stored): `{role}` is its role, `{name}` its role "
        + "again or, for evaluators, the evaluator's name (`core` for the built-in one). The supervisor's registry (`GET /services`) "
        + "counts an instance live while its last beat is under 15 s old.",
      messages: ["service.heartbeat"],
      transport: "core",
    },
    {
      id: "dead-letters",
      address: dlqSubject("{consumer}"),
      title: "dead letters",
      description: `A message its consumer could not handle, filed by that consumer under its own durable's name on ${STREAMS.dlq}: `
        + "the original bytes and headers, plus why, where from and after how many deliveries. The supervisor lists and redrives them (`GET /dlq`).",
      messages: ["dead-letter"],
      transport: "jetstream",
      stream: STREAMS.dlq,
    },
  ];
}
